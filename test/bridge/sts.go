package bridge

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// AssumeRole: moto hands out credentials for any role ARN, existing or
// not ("the role does not need to exist"). AWS refuses to assume a role
// that does not exist with AccessDenied, which is what cisguard meets when
// the member role was never deployed to an account. The proxy asks moto's
// IAM, as the target account, whether the role exists, and answers as AWS
// does when it does not. (It does not evaluate trust policies.)
func (p *Proxy) assumeRole(w http.ResponseWriter, r *request) {
	form, _ := url.ParseQuery(string(r.body))
	arn := form.Get("RoleArn")
	parts := strings.SplitN(arn, ":", 6) // arn:aws:iam::ACCOUNT:role/path/NAME
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
		p.forward(w, r)
		return
	}
	account, name := parts[4], parts[5][strings.LastIndex(parts[5], "/")+1:]
	exists, err := p.roleExists(account, name)
	if err != nil {
		writeError(w, r, http.StatusBadGateway, "BridgeError", err.Error())
		return
	}
	if !exists {
		writeError(w, r, http.StatusForbidden, "AccessDenied",
			fmt.Sprintf("not authorized to perform: sts:AssumeRole on resource: %s (test bridge: no role %s in account %s)", arn, name, account))
		return
	}
	p.forward(w, r)
}

// roleExists asks moto's IAM, as account, for a role.
func (p *Proxy) roleExists(account, name string) (bool, error) {
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=bridge/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
	h.Set("X-Moto-Account-Id", account)
	body := url.Values{"Action": {"GetRole"}, "Version": {"2010-05-08"}, "RoleName": {name}}.Encode()
	resp, err := p.send(http.MethodPost, "/", "", h, []byte(body))
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode == http.StatusOK:
		return true, nil
	case strings.Contains(string(raw), "NoSuchEntity"):
		return false, nil
	}
	return false, fmt.Errorf("test bridge: iam:GetRole %s in %s: %d %.200s", name, account, resp.StatusCode, raw)
}
