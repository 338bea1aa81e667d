package controls

// KMS keys: 3.7 (the trail encrypted with a customer managed key) and 3.8
// (rotation of customer managed keys).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// 3.7

// TrailKeyParams configures 3.7.
type TrailKeyParams struct {
	TrailParams `yaml:",inline"`
	// KMSKey is the key id, key ARN or alias that encrypts the logs. A
	// missing alias is created with a new key.
	KMSKey string `yaml:"kmsKey"`
}

var kmsRefRe = regexp.MustCompile(`^(alias/[a-zA-Z0-9:/_-]+|(mrk-)?[0-9a-f-]{32,36}|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[a-zA-Z0-9:/_-]+)$`)

// Validate checks the key reference.
func (p *TrailKeyParams) Validate() error {
	if err := p.TrailParams.Validate(); err != nil {
		return err
	}
	if !kmsRefRe.MatchString(p.KMSKey) || strings.HasPrefix(p.KMSKey, "alias/aws/") {
		return fmt.Errorf("kmsKey %q is not a customer managed key id, key ARN or alias", p.KMSKey)
	}
	return nil
}

func planTrailEncryption(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[TrailKeyParams](t)
	tr, gone, err := findingTrail(ctx, t, cfg.Trail)
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("trail %s no longer exists: nothing to do", t.Resource.ID)
		return p, nil
	}
	if aws.ToString(tr.KmsKeyId) != "" {
		return p, nil
	}
	if err := tr.changeable(t); err != nil {
		return nil, err
	}
	region, err := keyRegion(ctx, t, tr, p)
	if err != nil {
		return nil, err
	}
	if region == "" {
		return p, nil
	}
	c, err := t.Clients.In(region)
	if err != nil {
		return nil, err
	}
	k := &trailKey{api: c.KMS(), ref: cfg.KMSKey, region: region, tr: tr, t: t}
	if err := k.plan(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// keyRegion is where the key of a trail must be: CloudTrail needs it in
// the region of the trail's bucket (the trail's home region when the
// bucket is gone). For a bucket of another account it is the region S3
// gives; when S3 does not say, "" with the steps left in p.
func keyRegion(ctx context.Context, t *Target, tr *trail, p *plan.Plan) (string, error) {
	_, region, gone, err := bucketClients(ctx, t, aws.ToString(tr.S3BucketName))
	if b := asForeign(t, err); b != nil {
		if err := b.locate(ctx, t); err != nil {
			return "", err
		}
		if b.region == "" {
			b.leaveKeyRegion(tr, p)
		} else {
			p.Note("the trail's %s is in %s (as S3 says): the key is made or looked up there, and nothing is written to the bucket", b, b.region)
		}
		return b.region, nil
	}
	if err != nil {
		return "", err
	}
	if gone {
		return tr.region(), nil
	}
	return region, nil
}

// trailKey plans the key that encrypts a trail.
type trailKey struct {
	api    awsapi.KMS
	ref    string
	region string
	tr     *trail
	t      *Target
	arn    string // known once the key exists
}

func (k *trailKey) plan(ctx context.Context, p *plan.Plan) error {
	if usable, err := k.prepare(ctx, p); err != nil || !usable {
		return err
	}
	// A key this plan creates has its ARN only once it exists.
	record := k.tr.record(cloudtrail.UpdateTrailInput{KmsKeyId: aws.String(k.arn)})
	p.Addf(func(ctx context.Context) error {
		*record = *k.tr.record(cloudtrail.UpdateTrailInput{KmsKeyId: aws.String(k.arn)})
		return k.tr.update(cloudtrail.UpdateTrailInput{KmsKeyId: aws.String(k.arn)})(ctx)
	}, "encrypt the log files of %s with KMS key %s (%s)", k.tr, k.ref, k.region).Prior = record
	return nil
}

// prepare plans the key so that, once the plan is applied, it exists and
// lets the account's trails encrypt; k.arn is its ARN from then on (a key
// the plan creates has it only once it exists). usable is false when the
// key is one cisguard did not create and may not change: p then leaves
// the steps to a person, and no trail should point at it.
func (k *trailKey) prepare(ctx context.Context, p *plan.Plan) (usable bool, err error) {
	out, err := k.api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.ref)})
	switch {
	case awsapi.IsNotFound(err) && strings.HasPrefix(k.ref, "alias/"):
		return true, k.planCreate(ctx, p)
	case err != nil:
		return false, fmt.Errorf("describe KMS key %s in %s: %w", k.ref, k.region, err)
	}
	m := out.KeyMetadata
	if m.KeyState != kmstypes.KeyStateEnabled || m.KeySpec != kmstypes.KeySpecSymmetricDefault {
		return false, fmt.Errorf("KMS key %s is %s %s: CloudTrail needs an enabled symmetric key", k.ref, m.KeyState, m.KeySpec)
	}
	k.arn = aws.ToString(m.Arn)
	return k.planPolicy(ctx, p)
}

// statements are the key policy statements CloudTrail encryption needs:
// the account's trails may encrypt (aws:SourceArn, and the encryption
// context), and the account may decrypt what they wrote. They name no
// single trail, so one key serves every trail of the account, and every
// writer of a key's policy adds the same statements.
func (k *trailKey) statements() []map[string]any {
	part, acct := k.t.Clients.Partition(), k.t.Account()
	trails := "arn:" + part + ":cloudtrail:*:" + acct + ":trail/*"
	ct := map[string]any{"Service": "cloudtrail.amazonaws.com"}
	return []map[string]any{
		{"Sid": "AllowCloudTrailEncrypt", "Effect": "Allow", "Principal": ct, "Action": "kms:GenerateDataKey*", "Resource": "*",
			"Condition": map[string]any{"StringLike": map[string]any{"aws:SourceArn": trails, "kms:EncryptionContext:aws:cloudtrail:arn": trails}}},
		{"Sid": "AllowCloudTrailDescribeKey", "Effect": "Allow", "Principal": ct, "Action": "kms:DescribeKey", "Resource": "*"},
		{"Sid": "AllowAccountDecryptCloudTrailLogs", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": []string{"kms:Decrypt", "kms:ReEncryptFrom"}, "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"kms:CallerAccount": acct}, "StringLike": map[string]any{"kms:EncryptionContext:aws:cloudtrail:arn": trails}}},
	}
}

// description is the description of the key cisguard creates for the
// alias: with the tag, how a key whose alias was never made is found again.
func (k *trailKey) description() string {
	return "cisguard: encrypts CloudTrail log files (CIS 3.7) as " + k.ref
}

// planCreate plans the key of a missing alias. A key is nameless until
// its alias exists, so that a failure between the two, or another
// remediation doing the same at the same time, leaves nothing that a rerun
// would duplicate: a key cisguard made earlier for this alias and never
// named is named now instead of made again, and of two keys made at the
// same time, the one that lost the alias is scheduled for deletion.
func (k *trailKey) planCreate(ctx context.Context, p *plan.Plan) error {
	orphan, rotating, err := k.unnamed(ctx)
	if err != nil {
		return err
	}
	if orphan != "" {
		k.arn = orphan
		earlier := "a KMS key cisguard created earlier (tagged " + perms.ManagedTagKey + ", named by its description), which a revert keeps like the key it creates"
		if !rotating {
			p.Addf(k.enableRotation, "turn on yearly rotation of KMS key %s, made by cisguard for %s earlier (CIS 3.8)", orphan, k.ref).Prior = plan.Keep(kindKeyRotation, orphan, "rotation of "+earlier, true)
		}
		p.Addf(k.createAlias, "name KMS key %s %s, which cisguard made for it earlier", orphan, k.ref).Prior = plan.Keep(kindKeyAlias, k.ref, "names "+earlier+aliasKept(k), orphan)
		return nil
	}
	doc := &policyDocument{Version: "2012-10-17", Statement: []map[string]any{{"Sid": "EnableIAMUserPermissions", "Effect": "Allow",
		"Principal": map[string]any{"AWS": k.t.ARN("iam", "", "root")}, "Action": "kms:*", "Resource": "*"}}}
	doc.Statement = append(doc.Statement, k.statements()...)
	policy := doc.String()
	p.Addf(func(ctx context.Context) error {
		out, err := k.api.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(policy), Description: aws.String(k.description()), KeySpec: kmstypes.KeySpecSymmetricDefault,
			Tags: []kmstypes.Tag{{TagKey: aws.String(perms.ManagedTagKey), TagValue: aws.String(perms.ManagedTagValue)}}})
		if err != nil {
			return err
		}
		k.arn = aws.ToString(out.KeyMetadata.Arn)
		return nil
	}, "create a symmetric KMS key in %s, tagged cisguard:managed, whose policy lets the account's trails encrypt and the account decrypt", k.region).Prior = plan.Keep(kindCreated, k.ref,
		"a KMS key cisguard created is never deleted: the log files encrypted with it would become unreadable; schedule its deletion by hand once nothing needs it", "kms key")
	p.Addf(k.enableRotation, "turn on yearly rotation of the new key (CIS 3.8)").Prior = partOfCreated(kindKeyRotation, k.ref, "KMS key", true)
	p.Addf(k.createAlias, "name the new key %s", k.ref).Prior = plan.Keep(kindKeyAlias, k.ref, "names the KMS key cisguard created, which a revert keeps"+aliasKept(k), "new key")
	return nil
}

// aliasKept says why a revert keeps the alias of a key cisguard made.
func aliasKept(k *trailKey) string {
	return fmt.Sprintf(": without it the key is nameless, and the next 3.7 fix would find it by tag and name it again; delete both by hand once nothing needs the log files (aws kms delete-alias --region %s --alias-name %s; aws kms schedule-key-deletion)", k.region, k.ref)
}

func (k *trailKey) enableRotation(ctx context.Context) error {
	_, err := k.api.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(k.arn)})
	return err
}

// createAlias names the key. When another remediation named a key first,
// the trail uses that one, and the key this plan made or found is
// scheduled for deletion (it was never used: nothing was encrypted with
// it).
func (k *trailKey) createAlias(ctx context.Context) error {
	_, err := k.api.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(k.ref), TargetKeyId: aws.String(k.arn)})
	if !awsapi.HasCode(err, "AlreadyExistsException") {
		return err
	}
	out, err := k.api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.ref)})
	if err != nil {
		return fmt.Errorf("alias %s exists; describe its key: %w", k.ref, err)
	}
	named := aws.ToString(out.KeyMetadata.Arn)
	if named == k.arn {
		return nil
	}
	if _, err := k.api.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k.arn), PendingWindowInDays: aws.Int32(7)}); err != nil {
		return fmt.Errorf("alias %s names key %s, made meanwhile; schedule the deletion of the unused key %s by hand: %w", k.ref, named, k.arn, err)
	}
	k.arn = named
	return nil
}

// unnamed returns a key cisguard made for the alias that was never named
// (tagged cisguard:managed, with the description it gives such keys,
// enabled, without an alias), and whether it rotates; "" when there is
// none.
func (k *trailKey) unnamed(ctx context.Context) (arn string, rotating bool, err error) {
	named := map[string]bool{}
	aliases := kms.NewListAliasesPaginator(k.api, &kms.ListAliasesInput{})
	for aliases.HasMorePages() {
		pg, err := aliases.NextPage(ctx)
		if err != nil {
			return "", false, fmt.Errorf("list KMS aliases in %s: %w", k.region, err)
		}
		for _, a := range pg.Aliases {
			named[aws.ToString(a.TargetKeyId)] = true
		}
	}
	keys := kms.NewListKeysPaginator(k.api, &kms.ListKeysInput{})
	for keys.HasMorePages() {
		pg, err := keys.NextPage(ctx)
		if err != nil {
			return "", false, fmt.Errorf("list KMS keys in %s: %w", k.region, err)
		}
		for _, e := range pg.Keys {
			if named[aws.ToString(e.KeyId)] {
				continue
			}
			out, err := k.api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: e.KeyArn})
			if err != nil {
				return "", false, fmt.Errorf("describe KMS key %s: %w", aws.ToString(e.KeyArn), err)
			}
			if m := out.KeyMetadata; aws.ToString(m.Description) != k.description() || m.KeyState != kmstypes.KeyStateEnabled {
				continue
			}
			tags, err := k.api.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: e.KeyArn})
			if err != nil {
				return "", false, fmt.Errorf("read tags of KMS key %s: %w", aws.ToString(e.KeyArn), err)
			}
			if !managed(tags.Tags) {
				continue
			}
			st, err := k.api.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: e.KeyArn})
			if err != nil {
				return "", false, fmt.Errorf("read rotation of KMS key %s: %w", aws.ToString(e.KeyArn), err)
			}
			return aws.ToString(e.KeyArn), st.KeyRotationEnabled, nil
		}
	}
	return "", false, nil
}

// managed reports whether KMS tags carry cisguard:managed=true.
func managed(tags []kmstypes.Tag) bool {
	return slices.ContainsFunc(tags, func(t kmstypes.Tag) bool {
		return aws.ToString(t.TagKey) == perms.ManagedTagKey && aws.ToString(t.TagValue) == perms.ManagedTagValue
	})
}

// planPolicy makes sure the key lets the account's trails encrypt; ok is
// false when it does not and cisguard may not change it. cisguard changes
// only the policy of a key it created (tagged cisguard:managed, the only
// keys the member role may change); for another key it leaves the steps
// to grant CloudTrail by hand, and does not point the trail at a key
// CloudTrail could not use.
func (k *trailKey) planPolicy(ctx context.Context, p *plan.Plan) (ok bool, err error) {
	out, err := k.api.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(k.arn), PolicyName: aws.String("default")})
	if err != nil {
		return false, fmt.Errorf("read policy of KMS key %s: %w", k.ref, err)
	}
	doc, err := parsePolicy(aws.ToString(out.Policy))
	if err != nil {
		return false, fmt.Errorf("policy of KMS key %s: %w", k.ref, err)
	}
	if lets(doc, "cloudtrail.amazonaws.com", "kms:GenerateDataKey", k.tr.arn()) {
		return true, nil
	}
	tags, err := k.api.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(k.arn)})
	if err != nil {
		return false, fmt.Errorf("read tags of KMS key %s: %w", k.ref, err)
	}
	if !managed(tags.Tags) {
		k.leaveGrant(p)
		return false, nil
	}
	var sids []string
	for _, s := range k.statements() {
		if doc.upsert(s) {
			sids = append(sids, s["Sid"].(string))
		}
	}
	text := doc.String()
	p.Addf(func(ctx context.Context) error {
		_, err := k.api.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(k.arn), PolicyName: aws.String("default"), Policy: aws.String(text)})
		return err
	}, "merge statements %s into the policy of KMS key %s (made by cisguard) so that the account's trails may encrypt with it", strings.Join(sids, ", "), k.ref).Prior = recordKeyPolicy(k.arn, aws.ToString(out.Policy), text)
	return true, nil
}

// leaveGrant leaves the steps that let CloudTrail use a key cisguard did
// not create.
func (k *trailKey) leaveGrant(p *plan.Plan) {
	stmts, _ := json.MarshalIndent(k.statements(), "", "  ")
	file := "key-policy.json"
	p.Leave(fmt.Sprintf("KMS key %s (%s) does not let CloudTrail encrypt the log files of %s, and cisguard changes only the policies of keys it created", k.ref, k.arn, k.tr),
		fmt.Sprintf("Save the key's policy: aws kms get-key-policy --region %s --key-id %s --policy-name default --query Policy --output text > %s", k.region, k.arn, file),
		fmt.Sprintf("Add these statements to its Statement list (they let this account's trails encrypt and the account decrypt the log files): %s", stmts),
		fmt.Sprintf("Put it back: aws kms put-key-policy --region %s --key-id %s --policy-name default --policy file://%s", k.region, k.arn, file),
		fmt.Sprintf("Encrypt the trail with it: aws cloudtrail update-trail --region %s --name %s --kms-key-id %s (or let cisguard do it on the next finding)", k.tr.region(), k.tr.arn(), k.arn),
		"Or set controls.3.7.kmsKey to an alias that does not exist yet: cisguard then makes a key with that policy")
}

// lets reports whether a resource policy allows a service principal an
// action for a source ARN (aws:SourceArn conditions must admit it).
func lets(doc *policyDocument, service, action, source string) bool {
	return slices.ContainsFunc(doc.Statement, func(s map[string]any) bool {
		p, _ := s["Principal"].(map[string]any)
		if s["Effect"] != "Allow" || !slices.Contains(stringList(p["Service"]), service) ||
			!slices.ContainsFunc(stringList(s["Action"]), func(a string) bool { return globMatch(a, action) }) {
			return false
		}
		cond, _ := s["Condition"].(map[string]any)
		for op, v := range cond {
			kv, _ := v.(map[string]any)
			for key, want := range kv {
				if !strings.EqualFold(key, "aws:SourceArn") {
					continue
				}
				if !slices.ContainsFunc(stringList(want), func(w string) bool { return w == source || strings.HasSuffix(op, "Like") && globMatch(w, source) }) {
					return false
				}
			}
		}
		return true
	})
}

// 3.8

// KMSRotationParams configures 3.8.
type KMSRotationParams struct {
	// ExcludeKeywords skip keys whose description contains any of them
	// (case-insensitive).
	ExcludeKeywords []string `yaml:"excludeKeywords"`
}

// Validate rejects empty keywords, which would exclude every key.
func (p *KMSRotationParams) Validate() error {
	if slices.Contains(p.ExcludeKeywords, "") {
		return errors.New("excludeKeywords: an empty keyword would exclude every key")
	}
	return nil
}

func planKMSRotation(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[KMSRotationParams](t)
	id := t.Resource.ID
	api := t.Clients.KMS()
	if r := arnRegion(id); r != "" && r != t.Region() {
		c, err := t.Clients.In(r)
		if err != nil {
			return nil, err
		}
		api = c.KMS()
	}
	out, err := api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if awsapi.IsNotFound(err) {
		p.Note("KMS key %s no longer exists: nothing to do", id)
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe KMS key %s: %w", id, err)
	}
	m := out.KeyMetadata
	if m.KeyManager != kmstypes.KeyManagerTypeCustomer {
		p.Note("KMS key %s is managed by AWS, which rotates it: nothing to do", id)
		return p, nil
	}
	if step := rotationBlocked(m); step != "" {
		// Security Hub raised this finding, so it holds the key to KMS.4;
		// a key cisguard cannot rotate stays failed until a person acts.
		p.Leave(fmt.Sprintf("automatic rotation cannot be turned on for KMS key %s (%s, %s, %s)", id, m.KeySpec, m.Origin, m.KeyState), step)
		return p, nil
	}
	st, err := api.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: m.Arn})
	if err != nil {
		return nil, fmt.Errorf("read rotation of KMS key %s: %w", id, err)
	}
	if st.KeyRotationEnabled {
		return p, nil
	}
	desc := strings.ToLower(aws.ToString(m.Description))
	if i := slices.IndexFunc(cfg.ExcludeKeywords, func(k string) bool { return strings.Contains(desc, strings.ToLower(k)) }); i >= 0 {
		p.Accept(fmt.Sprintf("KMS key %s is left without rotation: its description %q contains the exclusion keyword %q (controls.3.8.excludeKeywords)", id, aws.ToString(m.Description), cfg.ExcludeKeywords[i]),
			fmt.Sprintf("to have cisguard turn on its rotation, take %q out of the key's description or of excludeKeywords", cfg.ExcludeKeywords[i]))
		return p, nil
	}
	tags, err := api.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: m.Arn})
	if err != nil {
		return nil, fmt.Errorf("read tags of KMS key %s: %w", id, err)
	}
	tm := map[string]string{}
	for _, tag := range tags.Tags {
		tm[aws.ToString(tag.TagKey)] = aws.ToString(tag.TagValue)
	}
	if err := t.Exempt(id, tm); err != nil {
		return nil, err
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: m.Arn})
		return err
	}, "turn on yearly automatic rotation of KMS key %s (%s) (off -> on)", aws.ToString(m.Arn), aws.ToString(m.Description)).Prior = recordKeyRotation(aws.ToString(m.Arn))
	return p, nil
}

// rotationBlocked returns what a person must do when KMS cannot rotate a
// customer managed key automatically, or "" when it can.
func rotationBlocked(m *kmstypes.KeyMetadata) string {
	switch {
	case m.KeySpec != kmstypes.KeySpecSymmetricDefault, m.Origin != kmstypes.OriginTypeAwsKms:
		return "KMS rotates only symmetric keys with KMS key material: rotate it by hand (a new key, its aliases and users moved to it), or suppress the finding as an accepted exception"
	case m.KeyState == kmstypes.KeyStateDisabled:
		return "enable the key (cisguard then turns on its rotation), or schedule its deletion if it is no longer used"
	case m.KeyState == kmstypes.KeyStatePendingDeletion, m.KeyState == kmstypes.KeyStatePendingReplicaDeletion:
		return "the key awaits deletion, after which Security Hub stops reporting it; to keep it, cancel the deletion and enable it"
	case m.KeyState != kmstypes.KeyStateEnabled:
		return fmt.Sprintf("wait until the key is Enabled (it is %s), then run cisguard again", m.KeyState)
	}
	return ""
}

// arnRegion returns the region of an ARN, or "".
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

// checkKeys is 3.8's check: every enabled, symmetric, customer managed key
// of the region (the keys CIS asks to rotate), planned read-only.
func checkKeys(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	var out []Result
	api := t.Clients.KMS()
	pages := kms.NewListKeysPaginator(api, &kms.ListKeysInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the KMS keys of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, k := range pg.Keys {
			arn := aws.ToString(k.KeyArn)
			res := arnResource(t, "AwsKmsKey", t.Region(), arn)
			// The plan's own read, so the cache sends it once.
			d, err := api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(arn)})
			if err != nil {
				out = append(out, Errored(res, fmt.Errorf("describe KMS key %s: %w", arn, err)))
				continue
			}
			m := d.KeyMetadata
			if m.KeyManager != kmstypes.KeyManagerTypeCustomer || m.KeySpec != kmstypes.KeySpecSymmetricDefault ||
				m.KeyState == kmstypes.KeyStatePendingDeletion || m.KeyState == kmstypes.KeyStatePendingReplicaDeletion {
				continue
			}
			out = append(out, Verdict(ctx, c, t.on(res)))
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no customer managed symmetric KMS key in %s", t.Region()))
	}
	return out, nil
}
