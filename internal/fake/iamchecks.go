package fake

// What IAM's checks read beyond the remediations: users with their
// policies in one listing (1.15), server certificates (1.19) and identity
// providers (1.21).

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// GetAccountAuthorizationDetails lists the users with their attached and
// inline policies; the fake answers the User filter only.
func (f *IAM) GetAccountAuthorizationDetails(ctx context.Context, in *iam.GetAccountAuthorizationDetailsInput, _ ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error) {
	unlock, err := f.call(ctx, "GetAccountAuthorizationDetails")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if !slices.Equal(in.Filter, []types.EntityType{types.EntityTypeUser}) {
		return nil, APIError("InvalidInput", "the fake answers Filter [User] only, not %v", in.Filter)
	}
	st := f.st()
	var all []types.UserDetail
	for _, u := range st.users {
		d := types.UserDetail{UserName: aws.String(u.Name), Arn: aws.String(u.ARN), UserId: aws.String(u.ID), Path: aws.String(u.Path), CreateDate: aws.Time(u.Created)}
		for _, arn := range u.Attached {
			d.AttachedManagedPolicies = append(d.AttachedManagedPolicies, types.AttachedPolicy{PolicyArn: aws.String(arn), PolicyName: aws.String(arn[strings.LastIndex(arn, "/")+1:])})
		}
		for _, name := range sortedKeys(u.Inline) {
			d.UserPolicyList = append(d.UserPolicyList, types.PolicyDetail{PolicyName: aws.String(name), PolicyDocument: aws.String(url.QueryEscape(u.Inline[name]))})
		}
		for k, v := range u.Tags {
			d.Tags = append(d.Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		all = append(all, d)
	}
	items, next, err := iamPage(st, all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iam.GetAccountAuthorizationDetailsOutput{UserDetailList: items, Marker: next, IsTruncated: next != nil}, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ServerCertificate is a fake certificate stored in IAM.
type ServerCertificate struct {
	Name, Path string
	Expiration time.Time
	Tags       map[string]string
}

type serverCertState struct {
	certs     []ServerCertificate
	providers []string // SAML and OIDC provider ARNs
}

func certsOf(a *Account) *serverCertState {
	return stateOf(a, "iam/server-certificates", func() *serverCertState { return &serverCertState{} })
}

// AddServerCertificate seeds a server certificate and returns its ARN.
func (a *Account) AddServerCertificate(c ServerCertificate) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c.Path == "" {
		c.Path = "/"
	}
	certsOf(a).certs = append(certsOf(a).certs, c)
	return a.certARN(c)
}

func (a *Account) certARN(c ServerCertificate) string {
	return fmt.Sprintf("arn:%s:iam::%s:server-certificate%s%s", a.Partition, a.ID, c.Path, c.Name)
}

// ServerCertificates returns the names of the stored certificates.
func (a *Account) ServerCertificates() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var names []string
	for _, c := range certsOf(a).certs {
		names = append(names, c.Name)
	}
	return names
}

// AddIdentityProvider seeds a SAML ("saml") or OIDC ("oidc") provider.
func (a *Account) AddIdentityProvider(kind, name string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	arn := fmt.Sprintf("arn:%s:iam::%s:saml-provider/%s", a.Partition, a.ID, name)
	if kind == "oidc" {
		arn = fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", a.Partition, a.ID, name)
	}
	certsOf(a).providers = append(certsOf(a).providers, arn)
	return arn
}

func (f *IAM) cert(name *string) (int, error) {
	i := slices.IndexFunc(certsOf(f.a).certs, func(c ServerCertificate) bool { return c.Name == aws.ToString(name) })
	if i < 0 {
		return 0, APIError("NoSuchEntity", "The Server Certificate with name %s cannot be found.", aws.ToString(name))
	}
	return i, nil
}

// ListServerCertificates lists the certificates, MaxItems a page.
func (f *IAM) ListServerCertificates(ctx context.Context, in *iam.ListServerCertificatesInput, _ ...func(*iam.Options)) (*iam.ListServerCertificatesOutput, error) {
	unlock, err := f.call(ctx, "ListServerCertificates")
	defer unlock()
	if err != nil {
		return nil, err
	}
	var all []types.ServerCertificateMetadata
	for _, c := range certsOf(f.a).certs {
		if strings.HasPrefix(c.Path, aws.ToString(in.PathPrefix)) {
			all = append(all, types.ServerCertificateMetadata{ServerCertificateName: aws.String(c.Name), Path: aws.String(c.Path), Arn: aws.String(f.a.certARN(c)),
				ServerCertificateId: aws.String("ASCA" + strings.ToUpper(c.Name)), Expiration: aws.Time(c.Expiration), UploadDate: aws.Time(c.Expiration.AddDate(-1, 0, 0))})
		}
	}
	items, next, err := iamPage(f.st(), all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iam.ListServerCertificatesOutput{ServerCertificateMetadataList: items, Marker: next, IsTruncated: next != nil}, nil
}

// ListServerCertificateTags returns a certificate's tags.
func (f *IAM) ListServerCertificateTags(ctx context.Context, in *iam.ListServerCertificateTagsInput, _ ...func(*iam.Options)) (*iam.ListServerCertificateTagsOutput, error) {
	unlock, err := f.call(ctx, "ListServerCertificateTags")
	defer unlock()
	if err != nil {
		return nil, err
	}
	i, err := f.cert(in.ServerCertificateName)
	if err != nil {
		return nil, err
	}
	var tags []types.Tag
	for _, k := range sortedKeys(certsOf(f.a).certs[i].Tags) {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(certsOf(f.a).certs[i].Tags[k])})
	}
	return &iam.ListServerCertificateTagsOutput{Tags: tags}, nil
}

// DeleteServerCertificate deletes a certificate by name.
func (f *IAM) DeleteServerCertificate(ctx context.Context, in *iam.DeleteServerCertificateInput, _ ...func(*iam.Options)) (*iam.DeleteServerCertificateOutput, error) {
	unlock, err := f.call(ctx, "DeleteServerCertificate")
	defer unlock()
	if err != nil {
		return nil, err
	}
	i, err := f.cert(in.ServerCertificateName)
	if err != nil {
		return nil, err
	}
	certsOf(f.a).certs = slices.Delete(certsOf(f.a).certs, i, i+1)
	return &iam.DeleteServerCertificateOutput{}, nil
}

// ListSAMLProviders lists the SAML providers (IAM does not page it).
func (f *IAM) ListSAMLProviders(ctx context.Context, _ *iam.ListSAMLProvidersInput, _ ...func(*iam.Options)) (*iam.ListSAMLProvidersOutput, error) {
	unlock, err := f.call(ctx, "ListSAMLProviders")
	defer unlock()
	if err != nil {
		return nil, err
	}
	out := &iam.ListSAMLProvidersOutput{}
	for _, p := range certsOf(f.a).providers {
		if strings.Contains(p, ":saml-provider/") {
			out.SAMLProviderList = append(out.SAMLProviderList, types.SAMLProviderListEntry{Arn: aws.String(p)})
		}
	}
	return out, nil
}

// ListOpenIDConnectProviders lists the OIDC providers (IAM does not page it).
func (f *IAM) ListOpenIDConnectProviders(ctx context.Context, _ *iam.ListOpenIDConnectProvidersInput, _ ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error) {
	unlock, err := f.call(ctx, "ListOpenIDConnectProviders")
	defer unlock()
	if err != nil {
		return nil, err
	}
	out := &iam.ListOpenIDConnectProvidersOutput{}
	for _, p := range certsOf(f.a).providers {
		if strings.Contains(p, ":oidc-provider/") {
			out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, types.OpenIDConnectProviderListEntry{Arn: aws.String(p)})
		}
	}
	return out, nil
}
