package bridge

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"
)

// CloudWatch: aws-sdk-go-v2's CloudWatch client (service/cloudwatch
// v1.53.0, December 2025, and later) speaks only Smithy RPC v2 CBOR
// (POST /service/GraniteServiceVersion20100801/operation/<Op>, CBOR
// bodies). moto 5.2.5 routes CloudWatch only at "/" and speaks AWS JSON 1.0
// and query there, so the SDK gets a 404 HTML page. CloudWatch's model
// lists all three protocols, so JSON 1.0 is a faithful target: the proxy
// rewrites the request as JSON 1.0 (X-Amz-Target
// GraniteServiceVersion20100801.<Op>) and the answer back to CBOR. CBOR and
// JSON carry the same data model except timestamps (CBOR tag 1), blobs
// (bytes, base64 in JSON) and the integer/float distinction, which the
// response conversion takes from the SDK's own schema of the output.

const cwService = "GraniteServiceVersion20100801"

// cwOutputs holds the output schema of each CloudWatch operation the
// bridge translates. Add an operation here when cisguard or the suite
// starts calling it; an operation missing here is refused loudly.
var cwOutputs = map[string]*smithy.Schema{
	"DescribeAlarms":          cwschemas.DescribeAlarmsOutput,
	"DescribeAlarmsForMetric": cwschemas.DescribeAlarmsForMetricOutput,
	"PutMetricAlarm":          nil, // no output members
	"DeleteAlarms":            nil,
	"ListTagsForResource":     cwschemas.ListTagsForResourceOutput,
	"TagResource":             nil,
}

func (p *Proxy) cloudWatch(w http.ResponseWriter, r *request) {
	out, known := cwOutputs[r.op]
	if !known || !strings.Contains(r.URL.Path, "/service/"+cwService+"/operation/") {
		writeError(w, r, http.StatusNotImplemented, "BridgeUnsupported",
			fmt.Sprintf("test bridge: RPC v2 CBOR operation %s is not translated (add it to cwOutputs in test/bridge/cloudwatch.go)", r.URL.Path))
		return
	}
	in := any(map[string]any{})
	if len(r.body) > 0 {
		v, err := cbor.Decode(r.body)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "SerializationException", "test bridge: request is not CBOR: "+err.Error())
			return
		}
		in = cborToJSON(v)
	}
	body, err := json.Marshal(in)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "BridgeError", err.Error())
		return
	}
	h := r.Header.Clone()
	for _, k := range []string{"Smithy-Protocol", "Accept", "Content-Type", "Content-Length"} {
		h.Del(k)
	}
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amz-Target", cwService+"."+r.op)
	resp, err := p.send(http.MethodPost, "/", "", h, body)
	if err != nil {
		writeError(w, r, http.StatusBadGateway, "BridgeError", err.Error())
		return
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		writeError(w, r, http.StatusBadGateway, "BridgeError", err.Error())
		return
	}
	var doc any
	if len(bytes.TrimSpace(raw)) > 0 {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&doc); err != nil {
			writeError(w, r, http.StatusBadGateway, "BridgeError", fmt.Sprintf("test bridge: moto answered %d with non-JSON: %.200s", resp.StatusCode, raw))
			return
		}
	}
	if q := resp.Header.Get("X-Amzn-Query-Error"); q != "" {
		w.Header().Set("X-Amzn-Query-Error", q)
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	if resp.StatusCode >= 300 {
		// {"__type": "...#Code", "message": "..."} is the same in both protocols.
		w.WriteHeader(resp.StatusCode)
		w.Write(cbor.Encode(jsonToCBOR(doc, nil)))
		return
	}
	w.WriteHeader(resp.StatusCode)
	if doc == nil || out == nil {
		w.Write(cbor.Encode(cbor.Map{}))
		return
	}
	w.Write(cbor.Encode(jsonToCBOR(doc, out)))
}

// cborToJSON turns a decoded CBOR request into the value encoding/json
// writes for AWS JSON 1.0: timestamps as epoch seconds, blobs as base64.
func cborToJSON(v cbor.Value) any {
	switch v := v.(type) {
	case cbor.Map:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = cborToJSON(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = cborToJSON(e)
		}
		return l
	case cbor.String:
		return string(v)
	case cbor.Uint:
		return json.Number(fmt.Sprint(uint64(v)))
	case cbor.NegInt:
		return json.Number("-" + fmt.Sprint(uint64(v)))
	case cbor.Float32:
		return float64(v)
	case cbor.Float64:
		return float64(v)
	case cbor.Bool:
		return bool(v)
	case cbor.Slice:
		return base64.StdEncoding.EncodeToString(v)
	case *cbor.Tag: // tag 1: epoch-seconds timestamp, the same number in JSON
		return cborToJSON(v.Value)
	default: // Nil, Undefined
		return nil
	}
}

// jsonToCBOR turns a JSON 1.0 response into CBOR, typed by its schema
// (nil: untyped, integers as CBOR integers and other numbers as floats).
func jsonToCBOR(v any, s *smithy.Schema) cbor.Value {
	if s != nil {
		switch s.Type() {
		case smithy.ShapeTypeTimestamp:
			return timestamp(v)
		case smithy.ShapeTypeBlob:
			if str, ok := v.(string); ok {
				if b, err := base64.StdEncoding.DecodeString(str); err == nil {
					return cbor.Slice(b)
				}
			}
		case smithy.ShapeTypeFloat, smithy.ShapeTypeDouble:
			if n, ok := v.(json.Number); ok {
				f, _ := n.Float64()
				return cbor.Float64(f)
			}
		}
	}
	switch v := v.(type) {
	case map[string]any:
		m := make(cbor.Map, len(v))
		for k, e := range v {
			if e == nil {
				continue
			}
			var ms *smithy.Schema
			if s != nil {
				switch s.Type() {
				case smithy.ShapeTypeMap:
					ms = s.MapValue()
				default:
					ms = s.Member(k)
				}
			}
			m[k] = jsonToCBOR(e, ms)
		}
		return m
	case []any:
		var ms *smithy.Schema
		if s != nil {
			ms = s.ListMember()
		}
		l := make(cbor.List, len(v))
		for i, e := range v {
			l[i] = jsonToCBOR(e, ms)
		}
		return l
	case string:
		return cbor.String(v)
	case bool:
		return cbor.Bool(v)
	case json.Number:
		if i, err := v.Int64(); err == nil {
			if i < 0 {
				return cbor.NegInt(uint64(-i))
			}
			return cbor.Uint(uint64(i))
		}
		f, _ := v.Float64()
		return cbor.Float64(f)
	default:
		return &cbor.Nil{}
	}
}

// timestamp encodes a JSON timestamp (epoch seconds, or an ISO 8601
// string as moto writes some) as CBOR tag 1.
func timestamp(v any) cbor.Value {
	var secs float64
	switch v := v.(type) {
	case json.Number:
		secs, _ = v.Float64()
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return cbor.String(v) // the SDK will say it is not a timestamp
		}
		secs = float64(t.UnixMilli()) / 1000
	}
	if secs == math.Trunc(secs) {
		return &cbor.Tag{ID: 1, Value: cbor.Uint(uint64(secs))}
	}
	return &cbor.Tag{ID: 1, Value: cbor.Float64(secs)}
}
