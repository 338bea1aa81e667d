package controls

// 1.19: expired SSL/TLS server certificates stored in IAM.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// serverCertificates lists the account's server certificates, every page.
func serverCertificates(ctx context.Context, t *Target) ([]iamtypes.ServerCertificateMetadata, error) {
	var out []iamtypes.ServerCertificateMetadata
	pages := iam.NewListServerCertificatesPaginator(t.Clients.IAM(), &iam.ListServerCertificatesInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the IAM server certificates of account %s: %w", t.Account(), err)
		}
		out = append(out, pg.ServerCertificateMetadataList...)
	}
	return out, nil
}

// certificateScopes: only certificates without the exemption tag may be
// deleted.
func certificateScopes(_ any, exempt config.Tag) []perms.Scope {
	return []perms.Scope{{Sid: "ServerCertificatesNotExempt", Actions: []string{"iam:DeleteServerCertificate"}, Resources: []string{perms.ARN("iam", "", "server-certificate/*")},
		Condition: perms.Condition{"StringNotEqualsIgnoreCase": {"aws:ResourceTag/" + exempt.Key: {exempt.Value}}}}}
}

// planExpiredCertificate deletes the finding's certificate once it has
// expired; a valid one is compliant.
func planExpiredCertificate(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	name := t.Resource.Name()
	certs, err := serverCertificates(ctx, t)
	if err != nil {
		return nil, err
	}
	var cert *iamtypes.ServerCertificateMetadata
	for i := range certs {
		if aws.ToString(certs[i].ServerCertificateName) == name {
			cert = &certs[i]
		}
	}
	switch {
	case cert == nil:
		p.Note("server certificate %s no longer exists: nothing to do", name)
		return p, nil
	case !aws.ToTime(cert.Expiration).Before(t.Now):
		p.Note("server certificate %s is valid until %s", name, isoDate(aws.ToTime(cert.Expiration)))
		return p, nil
	}
	api := t.Clients.IAM()
	tags, err := api.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("read the tags of server certificate %s: %w", name, err)
	}
	m := map[string]string{}
	for _, tag := range tags.Tags {
		m[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if err := t.Exempt(name, m); err != nil {
		return nil, err
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String(name)})
		if awsapi.IsNotFound(err) {
			return nil
		}
		return err
	}, "delete IAM server certificate %s, expired on %s (a load balancer or CloudFront distribution still using it must get a valid certificate first)", name, isoDate(aws.ToTime(cert.Expiration))).Prior =
		plan.Lose(kindServerCertificate, name, fmt.Sprintf("IAM keeps no copy of a deleted server certificate, and its private key is gone with it; it had expired on %s: upload a valid certificate (aws iam upload-server-certificate) where one is needed", isoDate(aws.ToTime(cert.Expiration))),
			map[string]any{"name": name, "arn": aws.ToString(cert.Arn), "expiration": aws.ToTime(cert.Expiration)})
	return p, nil
}

// checkCertificates is 1.19's check: every server certificate; an expired
// one fails with the plan that deletes it.
func checkCertificates(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	certs, err := serverCertificates(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, cert := range certs {
		res := arnResource(t, "AwsIamServerCertificate", t.Region(), aws.ToString(cert.Arn))
		if exp := aws.ToTime(cert.Expiration); !exp.Before(t.Now) {
			out = append(out, pass(res, "server certificate %s is valid until %s", aws.ToString(cert.ServerCertificateName), isoDate(exp)))
			continue
		}
		out = append(out, Verdict(ctx, c, t.on(res)))
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no server certificate stored in IAM in account %s", t.Account()))
	}
	return out, nil
}
