package controls

func loggingControls() []*Control { return nil }
