package bridge

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"
)

// writeError answers a request with an AWS error in the request's
// protocol, the way AWS shapes it, so the SDK reads the code as it would
// from AWS (and its retryer classifies throttling and 5xx as retryable).
func writeError(w http.ResponseWriter, r *request, status int, code, message string) {
	id := "bridge-0000"
	w.Header().Set("X-Amzn-RequestId", id)
	ct := r.Header.Get("Content-Type")
	switch {
	case isCBOR(r.Request):
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.WriteHeader(status)
		w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(code), "message": cbor.String(message)}))
	case strings.HasPrefix(ct, "application/x-amz-json"):
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message})
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded") && r.service == "ec2":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`,
			escape(code), escape(message), id)
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
			escape(code), escape(message), id)
	case r.service == "s3":
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>`,
			escape(code), escape(message), id)
	default: // REST JSON (Security Hub)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"Code": code, "Message": message})
	}
}

func escape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
