package controls

func monitoringControls() []*Control { return nil }
