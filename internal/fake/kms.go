package fake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// KMS is a fake KMS client in one region. Keys and aliases are regional.
type KMS struct{ svc }

// Key is the state of a fake KMS key. Seed with KMS.AddKey (zero fields get
// the defaults of a customer managed symmetric key) and read back with
// KMS.Key.
type Key struct {
	ID, ARN, Description string
	Spec                 types.KeySpec
	Usage                types.KeyUsageType
	Manager              types.KeyManagerType
	State                types.KeyState
	Origin               types.OriginType
	Policy               string
	Rotation             bool
	Tags                 map[string]string
	Aliases              []string
}

type kmsState struct {
	keys []*Key
	seq  int
}

func (c clients) KMS() awsapi.KMS { return c.a.KMS(c.region) }

// KMS returns the account's KMS in a region.
func (a *Account) KMS(region string) *KMS { return &KMS{svc{a, region, "KMS"}} }

func kmsOf(a *Account, region string) *kmsState {
	return stateOf(a, "kms/"+region, func() *kmsState { return &kmsState{} })
}

func (k *KMS) st() *kmsState { return kmsOf(k.a, k.region) }

// defaultKeyPolicy is the policy KMS attaches when CreateKey has none.
func defaultKeyPolicy(a *Account) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:%s:iam::%s:root"},"Action":"kms:*","Resource":"*"}]}`, a.Partition, a.ID)
}

func (k *KMS) newKey(x Key) *Key {
	st := k.st()
	st.seq++
	if x.ID == "" {
		x.ID = fmt.Sprintf("%08x-0000-4000-8000-%012x", st.seq, st.seq)
	}
	x.ARN = "arn:" + k.a.Partition + ":kms:" + k.region + ":" + k.a.ID + ":key/" + x.ID
	if x.Spec == "" {
		x.Spec = types.KeySpecSymmetricDefault
	}
	if x.Usage == "" {
		x.Usage = types.KeyUsageTypeEncryptDecrypt
	}
	if x.Manager == "" {
		x.Manager = types.KeyManagerTypeCustomer
	}
	if x.State == "" {
		x.State = types.KeyStateEnabled
	}
	if x.Origin == "" {
		x.Origin = types.OriginTypeAwsKms
	}
	if x.Policy == "" {
		x.Policy = defaultKeyPolicy(k.a)
	}
	x.Tags = maps.Clone(x.Tags)
	x.Aliases = slices.Clone(x.Aliases)
	st.keys = append(st.keys, &x)
	return &x
}

// AddKey seeds a key and returns its ARN.
func (k *KMS) AddKey(x Key) string {
	k.a.mu.Lock()
	defer k.a.mu.Unlock()
	return k.newKey(x).ARN
}

// SetKeyState changes a key's state, as its owner would (DisableKey,
// ScheduleKeyDeletion).
func (k *KMS) SetKeyState(id string, state types.KeyState) {
	k.a.mu.Lock()
	defer k.a.mu.Unlock()
	if x, err := k.key(&id); err == nil {
		x.State = state
	}
}

// Key returns a copy of a key's state (by id, ARN or alias), or nil.
func (k *KMS) Key(id string) *Key {
	k.a.mu.Lock()
	defer k.a.mu.Unlock()
	x, err := k.key(&id)
	if err != nil {
		return nil
	}
	c := *x
	c.Tags = maps.Clone(x.Tags)
	c.Aliases = slices.Clone(x.Aliases)
	return &c
}

// key resolves a key id, key ARN, alias name or alias ARN in the client's
// region.
func (k *KMS) key(id *string) (*Key, error) {
	s := aws.ToString(id)
	if s == "" {
		return nil, APIError("ValidationException", "KeyId is required")
	}
	if strings.HasPrefix(s, "arn:") {
		parts := strings.SplitN(s, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" {
			return nil, APIError("NotFoundException", "Invalid arn %s", s)
		}
		if parts[3] != k.region || parts[4] != k.a.ID {
			return nil, APIError("NotFoundException", "Key '%s' does not exist", s)
		}
		s = parts[5]
	}
	for _, x := range k.st().keys {
		if "key/"+x.ID == s || x.ID == s || slices.Contains(x.Aliases, s) {
			return x, nil
		}
	}
	if strings.HasPrefix(s, "alias/") {
		return nil, APIError("NotFoundException", "Alias %s is not found.", s)
	}
	return nil, APIError("NotFoundException", "Key '%s' does not exist", s)
}

func (x *Key) metadata(a *Account) *types.KeyMetadata {
	return &types.KeyMetadata{KeyId: aws.String(x.ID), Arn: aws.String(x.ARN), AWSAccountId: aws.String(a.ID), Description: aws.String(x.Description),
		KeySpec: x.Spec, KeyUsage: x.Usage, KeyManager: x.Manager, KeyState: x.State, Enabled: x.State == types.KeyStateEnabled, Origin: x.Origin,
		CreationDate: aws.Time(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)), MultiRegion: aws.Bool(false)}
}

func (k *KMS) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	unlock, err := k.call(ctx, "DescribeKey")
	defer unlock()
	if err != nil {
		return nil, err
	}
	x, err := k.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	return &kms.DescribeKeyOutput{KeyMetadata: x.metadata(k.a)}, nil
}

// lockoutSafe reports whether a key policy lets the account (and so the
// caller's IAM policies) manage the key, the check KMS makes unless it is
// bypassed.
func lockoutSafe(a *Account, policy string) bool {
	root := "arn:" + a.Partition + ":iam::" + a.ID + ":root"
	for _, st := range statements(policy) {
		if st["Effect"] != "Allow" {
			continue
		}
		p, _ := st["Principal"].(map[string]any)
		if !slices.ContainsFunc(anyStrings(p["AWS"]), func(s string) bool { return s == root || s == a.ID }) {
			continue
		}
		if slices.ContainsFunc(anyStrings(st["Action"]), func(s string) bool { return s == "kms:*" || s == "kms:PutKeyPolicy" }) {
			return true
		}
	}
	return false
}

// CreateKey creates a key with the given policy (or the default one),
// refusing a policy that would lock the account out of the key.
func (k *KMS) CreateKey(ctx context.Context, in *kms.CreateKeyInput, _ ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	unlock, err := k.call(ctx, "CreateKey")
	defer unlock()
	if err != nil {
		return nil, err
	}
	policy := aws.ToString(in.Policy)
	if policy != "" {
		if err := validPolicy(policy); err != nil {
			return nil, APIError("MalformedPolicyDocumentException", "%v", err)
		}
		if !in.BypassPolicyLockoutSafetyCheck && !lockoutSafe(k.a, policy) {
			return nil, APIError("MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.")
		}
	}
	spec := in.KeySpec
	usage := in.KeyUsage
	if spec != "" && spec != types.KeySpecSymmetricDefault && usage == "" {
		return nil, APIError("ValidationException", "KeyUsage is required for key spec %s", spec)
	}
	if len(in.Tags) > 0 {
		if err := k.implied(ctx, "TagResource"); err != nil {
			return nil, err
		}
	}
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[aws.ToString(t.TagKey)] = aws.ToString(t.TagValue)
	}
	x := k.newKey(Key{Description: aws.ToString(in.Description), Spec: spec, Usage: usage, Origin: in.Origin, Policy: policy, Tags: tags})
	return &kms.CreateKeyOutput{KeyMetadata: x.metadata(k.a)}, nil
}

// CreateAlias requires a free "alias/" name outside "alias/aws/" and an
// existing customer managed target key.
func (k *KMS) CreateAlias(ctx context.Context, in *kms.CreateAliasInput, _ ...func(*kms.Options)) (*kms.CreateAliasOutput, error) {
	unlock, err := k.call(ctx, "CreateAlias")
	defer unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.AliasName)
	if !strings.HasPrefix(name, "alias/") || len(name) <= len("alias/") || len(name) > 256 {
		return nil, APIError("ValidationException", "Alias must start with the prefix \"alias/\"")
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return nil, APIError("NotAuthorizedException", "alias/aws/ is reserved for AWS managed keys")
	}
	for _, x := range k.st().keys {
		if slices.Contains(x.Aliases, name) {
			return nil, APIError("AlreadyExistsException", "An alias with the name %s already exists", name)
		}
	}
	x, err := k.key(in.TargetKeyId)
	if err != nil {
		return nil, err
	}
	if x.Manager != types.KeyManagerTypeCustomer {
		return nil, APIError("NotAuthorizedException", "cannot alias an AWS managed key")
	}
	if x.State == types.KeyStatePendingDeletion {
		return nil, APIError("KMSInvalidStateException", "%s is pending deletion.", x.ARN)
	}
	x.Aliases = append(x.Aliases, name)
	return &kms.CreateAliasOutput{}, nil
}

func (k *KMS) GetKeyRotationStatus(ctx context.Context, in *kms.GetKeyRotationStatusInput, _ ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	unlock, err := k.call(ctx, "GetKeyRotationStatus")
	defer unlock()
	if err != nil {
		return nil, err
	}
	x, err := k.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	if err := x.rotatable(false); err != nil {
		return nil, err
	}
	return &kms.GetKeyRotationStatusOutput{KeyId: aws.String(x.ARN), KeyRotationEnabled: x.Rotation}, nil
}

// rotatable returns KMS's error for a key whose rotation cannot be read
// (or, with change, changed).
func (x *Key) rotatable(change bool) error {
	switch {
	case x.Spec != types.KeySpecSymmetricDefault || x.Origin != types.OriginTypeAwsKms:
		return APIError("UnsupportedOperationException", "%s does not support automatic key rotation (key spec %s, origin %s)", x.ARN, x.Spec, x.Origin)
	case x.State == types.KeyStatePendingDeletion:
		return APIError("KMSInvalidStateException", "%s is pending deletion.", x.ARN)
	case change && x.Manager != types.KeyManagerTypeCustomer:
		return APIError("AccessDeniedException", "rotation of AWS managed key %s cannot be changed", x.ARN)
	case change && x.State == types.KeyStateDisabled:
		return APIError("DisabledException", "%s is disabled.", x.ARN)
	}
	return nil
}

func (k *KMS) EnableKeyRotation(ctx context.Context, in *kms.EnableKeyRotationInput, _ ...func(*kms.Options)) (*kms.EnableKeyRotationOutput, error) {
	unlock, err := k.call(ctx, "EnableKeyRotation")
	defer unlock()
	if err != nil {
		return nil, err
	}
	x, err := k.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	if err := x.rotatable(true); err != nil {
		return nil, err
	}
	if p := aws.ToInt32(in.RotationPeriodInDays); p != 0 && (p < 90 || p > 2560) {
		return nil, APIError("ValidationException", "RotationPeriodInDays must be between 90 and 2560")
	}
	x.Rotation = true
	return &kms.EnableKeyRotationOutput{}, nil
}

// ListResourceTags returns all tags at once (keys carry at most 50).
func (k *KMS) ListResourceTags(ctx context.Context, in *kms.ListResourceTagsInput, _ ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error) {
	unlock, err := k.call(ctx, "ListResourceTags")
	defer unlock()
	if err != nil {
		return nil, err
	}
	x, err := k.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	out := &kms.ListResourceTagsOutput{}
	for _, key := range slices.Sorted(maps.Keys(x.Tags)) {
		out.Tags = append(out.Tags, types.Tag{TagKey: aws.String(key), TagValue: aws.String(x.Tags[key])})
	}
	return out, nil
}

// GetKeyPolicy knows only the policy name "default", as KMS.
func (k *KMS) GetKeyPolicy(ctx context.Context, in *kms.GetKeyPolicyInput, _ ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	unlock, err := k.call(ctx, "GetKeyPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	x, err := k.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	if n := aws.ToString(in.PolicyName); n != "" && n != "default" {
		return nil, APIError("NotFoundException", "No such policy %s", n)
	}
	return &kms.GetKeyPolicyOutput{Policy: aws.String(x.Policy), PolicyName: aws.String("default")}, nil
}

// PutKeyPolicy replaces the policy after the same checks as CreateKey.
func (k *KMS) PutKeyPolicy(ctx context.Context, in *kms.PutKeyPolicyInput, _ ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error) {
	unlock, err := k.call(ctx, "PutKeyPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	x, err := k.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	if x.Manager != types.KeyManagerTypeCustomer {
		return nil, APIError("AccessDeniedException", "the policy of an AWS managed key cannot be changed")
	}
	policy := aws.ToString(in.Policy)
	if err := validPolicy(policy); err != nil {
		return nil, APIError("MalformedPolicyDocumentException", "%v", err)
	}
	if !in.BypassPolicyLockoutSafetyCheck && !lockoutSafe(k.a, policy) {
		return nil, APIError("MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.")
	}
	x.Policy = policy
	return &kms.PutKeyPolicyOutput{}, nil
}

// ListAliases lists the region's aliases with the keys they name, in
// pages of Limit (default 50).
func (k *KMS) ListAliases(ctx context.Context, in *kms.ListAliasesInput, _ ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	unlock, err := k.call(ctx, "ListAliases")
	defer unlock()
	if err != nil {
		return nil, err
	}
	var all []types.AliasListEntry
	for _, x := range k.st().keys {
		if in.KeyId != nil && x.ID != aws.ToString(in.KeyId) && x.ARN != aws.ToString(in.KeyId) {
			continue
		}
		for _, a := range x.Aliases {
			all = append(all, types.AliasListEntry{AliasName: aws.String(a), AliasArn: aws.String("arn:" + k.a.Partition + ":kms:" + k.region + ":" + k.a.ID + ":" + a), TargetKeyId: aws.String(x.ID)})
		}
	}
	items, next, err := page(all, in.Marker, aws.ToInt32(in.Limit), 50)
	if err != nil {
		return nil, err
	}
	return &kms.ListAliasesOutput{Aliases: items, NextMarker: next, Truncated: next != nil}, nil
}

// ScheduleKeyDeletion puts a customer managed key in PendingDeletion after
// a waiting period of 7 to 30 days (default 30).
func (k *KMS) ScheduleKeyDeletion(ctx context.Context, in *kms.ScheduleKeyDeletionInput, _ ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error) {
	unlock, err := k.call(ctx, "ScheduleKeyDeletion")
	defer unlock()
	if err != nil {
		return nil, err
	}
	x, err := k.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	days := aws.ToInt32(in.PendingWindowInDays)
	if days == 0 {
		days = 30
	}
	switch {
	case days < 7 || days > 30:
		return nil, APIError("ValidationException", "PendingWindowInDays must be between 7 and 30")
	case x.Manager != types.KeyManagerTypeCustomer:
		return nil, APIError("AccessDeniedException", "AWS managed key %s cannot be deleted", x.ARN)
	case x.State == types.KeyStatePendingDeletion:
		return nil, APIError("KMSInvalidStateException", "%s is pending deletion.", x.ARN)
	}
	x.State = types.KeyStatePendingDeletion
	return &kms.ScheduleKeyDeletionOutput{KeyId: aws.String(x.ARN), KeyState: x.State, PendingWindowInDays: aws.Int32(days)}, nil
}

// Keys returns copies of the region's keys.
func (k *KMS) Keys() []Key {
	k.a.mu.Lock()
	defer k.a.mu.Unlock()
	var out []Key
	for _, x := range k.st().keys {
		c := *x
		c.Tags = maps.Clone(x.Tags)
		c.Aliases = slices.Clone(x.Aliases)
		out = append(out, c)
	}
	return out
}
