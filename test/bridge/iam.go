package bridge

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// ListServerCertificateTags: moto 5.2.5 stores server certificates but has
// no ListServerCertificateTags (nor keeps the tags UploadServerCertificate
// is given), so the SDK gets no answer it can read. 1.19 reads a
// certificate's tags for the exemption tag before deleting it. The proxy
// asks moto, as the caller, whether the certificate exists
// (GetServerCertificate): when it does, it answers with the tags moto
// keeps for it, none; otherwise with moto's own error (NoSuchEntity).
func (p *Proxy) listServerCertificateTags(w http.ResponseWriter, r *request) {
	form, _ := url.ParseQuery(string(r.body))
	name := form.Get("ServerCertificateName")
	body := url.Values{"Action": {"GetServerCertificate"}, "Version": {"2010-05-08"}, "ServerCertificateName": {name}}.Encode()
	resp, err := p.send(http.MethodPost, r.URL.EscapedPath(), "", r.Header, []byte(body))
	if err != nil {
		writeError(w, r, http.StatusBadGateway, "BridgeError", err.Error())
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		copyResponse(w, resp)
		return
	}
	io.Copy(io.Discard, resp.Body)
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprint(w, `<ListServerCertificateTagsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListServerCertificateTagsResult><IsTruncated>false</IsTruncated><Tags/></ListServerCertificateTagsResult><ResponseMetadata><RequestId>bridge-0000</RequestId></ResponseMetadata></ListServerCertificateTagsResponse>`)
}
