package bridge

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
)

// DescribeTrails: moto 5.2.5 ignores trailNameList and returns every
// trail; AWS returns only the trails named (by name or ARN). cisguard asks
// for the finding's trail by name, so the proxy filters moto's answer.
func (p *Proxy) describeTrails(w http.ResponseWriter, r *request) {
	var in struct {
		TrailNameList []string `json:"trailNameList"`
	}
	json.Unmarshal(r.body, &in)
	resp, err := p.send(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, r.body)
	if err != nil {
		writeError(w, r, http.StatusBadGateway, "BridgeError", err.Error())
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		writeError(w, r, http.StatusBadGateway, "BridgeError", err.Error())
		return
	}
	if resp.StatusCode == http.StatusOK && len(in.TrailNameList) > 0 {
		var out struct {
			TrailList []map[string]any `json:"trailList"`
		}
		if err := json.Unmarshal(body, &out); err == nil {
			named := out.TrailList[:0]
			for _, t := range out.TrailList {
				name, _ := t["Name"].(string)
				arn, _ := t["TrailARN"].(string)
				if slices.Contains(in.TrailNameList, name) || slices.Contains(in.TrailNameList, arn) {
					named = append(named, t)
				}
			}
			out.TrailList = named
			body, _ = json.Marshal(out)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	copyResponse(w, resp)
}
