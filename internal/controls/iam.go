package controls

func iamControls() []*Control { return nil }
