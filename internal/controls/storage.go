package controls

func storageControls() []*Control { return nil }
