package controls

// Undo: the records every applied action leaves (plan.Prior) and the
// revert of each kind. A control's action attaches its record in one line
// (record… functions below, from what its plan read); `cisguard revert`
// finds the Undoer by kind. Every Undoer reads the live state first and
// restores only what still holds what cisguard set.

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// Kinds of recorded change.
const (
	kindRulesRevoked    = "ec2:security-group-rules-revoked"
	kindRulesAuthorized = "ec2:security-group-rules-authorized"
	kindNACLEntry       = "ec2:network-acl-entry"
	kindEBSDefault      = "ec2:ebs-encryption-by-default"
	kindBucketPolicy    = "s3:bucket-policy"
	kindBucketPAB       = "s3:bucket-public-access-block"
	kindAccountPAB      = "s3:account-public-access-block"
	kindBucketEncrypt   = "s3:bucket-encryption"
	kindPasswordPolicy  = "iam:password-policy"
	kindKeyStatus       = "iam:access-key-status"
	kindKeyDeleted      = "iam:access-key-deleted"
	kindLoginProfile    = "iam:login-profile-deleted"
	kindRole            = "iam:role"
	kindRolePolicy      = "iam:role-policy-attachment"
)

// undoers revert each kind of change.
var undoers = plan.Undoers[*Target]{
	kindRulesRevoked:    undoRulesRevoked,
	kindRulesAuthorized: undoRulesAuthorized,
	kindNACLEntry:       undoNACLEntry,
	kindEBSDefault:      undoEBSDefault,
	kindBucketPolicy:    undoBucketPolicy,
	kindBucketPAB:       undoBucketPAB,
	kindAccountPAB:      undoAccountPAB,
	kindPasswordPolicy:  undoPasswordPolicy,
	kindKeyStatus:       undoKeyStatus,
	kindRole:            undoRole,
	kindRolePolicy:      undoRolePolicy,
	kindTrailSettings:   undoTrailSettings,
	kindTrailLogging:    undoTrailLogging,
	kindEventSelectors:  undoEventSelectors,
	kindBucketLogging:   undoBucketLogging,
	kindInlinePolicy:    undoInlinePolicy,
	kindConfigRecorder:  undoConfigRecorder,
	kindConfigChannel:   undoConfigChannel,
	kindConfigRecording: undoConfigRecording,
	kindKeyPolicy:       undoKeyPolicy,
	kindKeyRotation:     undoKeyRotation,
	kindFlowLog:         undoFlowLog,
	kindMetricFilter:    undoMetricFilter,
	kindMetricAlarm:     undoMetricAlarm,
	kindTopicStatement:  undoTopicStatement,
	kindSubscription:    undoSubscription,
	kindSecurityContact: undoSecurityContact,
	kindAnalyzer:        undoAnalyzer,
}

// revertDocs say per control what an applied action records, what a
// revert restores and what it cannot; docs/controls.md prints them.
var revertDocs = map[string]string{
	"1.8": "records the whole password policy before the update (or none) and the policy written, from the read the action makes just before writing (no extra call). " +
		"Revert writes the previous policy back, or deletes the policy when there was none (IAM's default rules apply again), only while the policy is still the one cisguard wrote. Revert's extra write: `iam:DeleteAccountPasswordPolicy`.",
	"1.12": "records each deactivated key (user, key, status Active before); revert re-activates it while it is still Inactive. " +
		"A deleted key (`keyAction: delete`) and a deleted console password are recorded as not restorable (IAM keeps neither): revert names them, with the command that makes new ones, and exits 1.",
	"1.9":  "as 1.8 (the same record of the whole policy).",
	"1.2":  "records the security contact it registered (it registers one only where the account has none); revert removes it while it is still that contact. Revert's extra write: `account:DeleteAlternateContact` (allowed with a configured contact only).",
	"1.19": "a deleted server certificate is recorded as not restorable: IAM keeps no copy and its private key is gone; revert names it and exits 1 (it had expired: upload a valid certificate where one is needed).",
	"1.20": "records the analyzer it created; revert deletes it while it still carries cisguard:managed (its findings are derived from the account's policies, and a new analyzer finds them again). Access Analyzer's service-linked role, made with the first analyzer, stays. " +
		"Revert's extra write: `access-analyzer:DeleteAnalyzer` (that analyzer, tagged, only).",
	"1.14": "records each deactivated key (user, key, status Active before); revert re-activates it while it is still Inactive.",
	"1.17": "records the role it created and the AWSSupportAccess attachment. Revert detaches the policy, then deletes the role while it carries `cisguard:managed=true` (the member policy allows `iam:DeleteRole` only then); " +
		"IAM refuses while someone attached other policies, and the role stays. A role that existed before only loses the attachment. Revert's extra calls: `iam:ListAttachedRolePolicies`, `iam:DetachRolePolicy` (AWSSupportAccess only), `iam:DeleteRole`.",
	"2.1.1": "kept on revert: S3 applies SSE-S3 to every bucket since January 2023, so removing the configuration would change nothing.",
	"2.1.2": "records the previous bucket policy in full (or none), from the plan's read, and the policy written. Revert puts the previous policy back, or deletes the policy when there was none, " +
		"only while the bucket still holds exactly cisguard's policy (compared as JSON). Revert's extra write: `s3:DeleteBucketPolicy`.",
	"2.1.5.1": "records the account's previous Block Public Access (the four flags, or none) from the plan's read; revert puts it back, or deletes the configuration, while all four are still on.",
	"2.1.5.2": "records the bucket's previous Block Public Access (the four flags, or none) from the plan's read; revert puts it back, or deletes the configuration, while all four are still on.",
	"2.2.1":   "records that it was off; revert turns EBS encryption by default off again while it is on (volumes encrypted meanwhile stay encrypted). Revert's extra write: `ec2:DisableEbsEncryptionByDefault`.",
	"3.1": "records the trail's previous multi-region settings, its previous event selectors in full (classic or advanced) and that it was not logging, from the plan's read; revert puts them back and stops logging while they are still as cisguard left them. " +
		"A trail it created, and the buckets it created with their tags, Block Public Access, policy and access logging, are kept (their log files are the account's audit record): revert stops the new trail's logging and says how to delete it. " +
		"So are the key, log group and delivery role made for it (3.7's and 3.4's parts), and statements merged into an existing key's or role's policy for it: the kept trail still encrypts and delivers through them, and no UpdateTrail takes them off. " +
		"Statements merged into the policy of an existing bucket of the account are recorded with the previous policy (or none), which revert puts back while the policy is still cisguard's. " +
		"Revert's extra writes: `cloudtrail:StopLogging`, `s3:DeleteBucketPolicy` (cisguard-* and configured buckets only).",
	"3.2": "records that log file validation was off, from the plan's read; revert turns it off again while it is on.",
	"3.3": "as 2.1.5.2 on the trail bucket: records its previous Block Public Access (the four flags, or none); revert puts it back, or deletes the configuration, while all four are still on.",
	"3.4": "records the trail's previous CloudWatch Logs group and role (or none) and the previous inline policy (or none) of an existing delivery role. Revert puts the trail's settings back (none stops the delivery) while the trail still sends to cisguard's group, " +
		"then the role's policy (deleted when it had none) while it is still cisguard's and no trail of the region delivers through the role to that group any more. " +
		"The log group and its retention, and a delivery role it created with its policy, are kept: the group holds the events delivered, and a role only CloudTrail may assume, under the permissions boundary, is harmless once nothing uses it; delete them by hand. " +
		"Revert's extra write: `iam:DeleteRolePolicy` (roles cisguard-* or `roleName`, under the permissions boundary).",
	"3.5": "records the previous configuration recorder (name, role, recording group and mode; or none), the delivery channel it created and that recording was off. Revert, newest first, stops recording, deletes the channel and puts the recorder back or deletes it, each only while it is as cisguard left it; " +
		"AWS Config keeps the channel of a recorder that records, so the channel stays while recording goes on. A previous recorder that recorded as another role than AWS Config's service-linked role is not put back (the member role passes no other role): revert gives the command. " +
		"The configuration bucket it created is kept (it holds the configuration history); statements merged into an existing bucket's policy are reverted as in 3.1. " +
		"Revert's extra writes: `config:StopConfigurationRecorder`, `config:DeleteDeliveryChannel`, `config:DeleteConfigurationRecorder`, `s3:DeleteBucketPolicy`.",
	"3.6": "records that server access logging of the trail bucket was off and where it now logs; revert turns it off while it still logs there (the log files delivered stay). " +
		"A log bucket it created is kept: it holds the access logs, and S3 deletes only an empty bucket. Statements merged into an existing log bucket's policy are reverted as in 3.1. Revert's extra write: `s3:DeleteBucketPolicy`.",
	"3.7": "records the trail's previous KMS key (or none) and, for a key cisguard made whose policy lacked CloudTrail's statements, the previous key policy. Revert puts the trail's key back (none: SSE-S3 again) while the trail still uses cisguard's key, " +
		"then the key policy while it is still the one cisguard wrote, the key still carries cisguard:managed and no trail visible in the key's region encrypts with it. " +
		"A key cisguard created, its rotation and its alias are kept, never deleted: log files encrypted with it would become unreadable, and a nameless key would be named again by the next fix; schedule its deletion by hand once nothing needs them.",
	"3.8": "records that rotation was off; revert turns it off again while it is on and the key is enabled (a key deleted or pending deletion has nothing to restore; a disabled one is reported). Key material rotated meanwhile stays and still decrypts. " +
		"Revert's extra write: `kms:DisableKeyRotation`.",
	"3.9": "records the flow log it creates by id; the flow log is tagged cisguard:managed at creation, and revert deletes it while it still is, for the same VPC, log group and traffic (the member role deletes only flow logs so tagged). " +
		"The log group and its retention, the delivery role and its inline policy are kept: the group holds the flow logs delivered, and the role and its policy serve every flow log of the account that delivers to the group, in any region; delete them by hand once none does. " +
		"Revert's extra write: `ec2:DeleteFlowLogs`.",
	"3.10": "records the trail's previous event selectors in full (classic or advanced); revert puts them back while the trail's selectors are still the ones cisguard put.",
	"3.11": "as 3.10.",
	"5.1": "records every entry replaced, added or deleted, in full with its rule number (protocol, action, CIDR or IPv6 CIDR, ports, ICMP type and code), from the plan's read. " +
		"Revert, newest first: the original entry comes back at its number before the added pieces are deleted, so what was allowed is never interrupted; a rule number that no longer holds what cisguard left is not touched, and revert says so.",
	"5.2": "records the revoked rules in full and the rules authorized to keep the rest. Revert authorizes the revoked rules again, then revokes the added ones; an added rule whose description was changed since is someone else's and stays.",
	"5.3": "records every revoked rule in full, from the plan's read: protocol, ports, source (CIDR, IPv6 CIDR, prefix list, or referenced group with its owner and peering connection) and description. " +
		"Revert authorizes them again (with new rule ids); a rule that is back already is not added twice. Revert's extra writes: `ec2:AuthorizeSecurityGroupIngress`, `ec2:AuthorizeSecurityGroupEgress`.",
}

// monitoringRevertDoc is what section 4 (and 1.7) record.
const monitoringRevertDoc = "records the metric filter it created or replaced (pattern and metric in full, or none), the alarm it created or changed (every field PutMetricAlarm takes, or none), " +
	"the statement it merged into the alarm topic's policy and the subscriptions it made (the administrator account's alarm queue, `endpoint`), and 3.4's records when it set up the trail's log delivery. " +
	"Revert, newest first: the alarm is deleted (or put back as it was) while it is as cisguard left it; the subscriptions are unsubscribed and the statement removed unless another alarm still notifies the topic " +
	"(they are kept for it, and revert names it: revert that alarm's result, then this one again); a subscription awaiting confirmation lapses by itself (SNS has no call that removes it); the filter is deleted (or put back). " +
	"The topic it created is kept: every section 4 alarm of the account and region notifies it, including alarms not reverted, which would lose their subscribers silently; delete it by hand once no alarm uses it. " +
	"Revert's extra calls: `cloudwatch:DescribeAlarms`, `cloudwatch:DeleteAlarms` (alarms named CIS-* only), `logs:DeleteMetricFilter`, `sns:Unsubscribe`, `iam:DeleteRolePolicy`."

// RevertDoc says what a control's applied actions record for `cisguard
// revert`; "" for a control that changes nothing.
func RevertDoc(c *Control) string {
	if d, ok := revertDocs[c.ID]; ok {
		return d
	}
	if c.Plan != nil && slices.ContainsFunc(monitoringControls(), func(m *Control) bool { return m.ID == c.ID }) {
		return monitoringRevertDoc
	}
	if c.Plan != nil {
		return "not recorded yet: revert names these actions as not restored; undo them by hand."
	}
	return ""
}

// Undo plans the revert of one record in the target's account and region:
// restoring actions, nothing (already as before), or a residual saying why
// it is not restored. Run it under the declaration of the control that
// made the change: the control declares the writes its revert makes.
func Undo(ctx context.Context, t *Target, p *plan.Prior) (*plan.Plan, error) {
	return undoers.Plan(ctx, t, p)
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// Security group rules (5.2, 5.3).

// sgRecord is a security group rule in full: what AuthorizeSecurityGroup*
// needs to make it again.
type sgRecord struct {
	Egress      bool   `json:"egress,omitempty"`
	Protocol    string `json:"protocol"`
	FromPort    int32  `json:"fromPort"`
	ToPort      int32  `json:"toPort"`
	CIDR        string `json:"cidrIpv4,omitempty"`
	CIDRv6      string `json:"cidrIpv6,omitempty"`
	PrefixList  string `json:"prefixListId,omitempty"`
	Group       string `json:"referencedGroupId,omitempty"`
	GroupOwner  string `json:"referencedGroupOwner,omitempty"`
	Peering     string `json:"vpcPeeringConnectionId,omitempty"`
	Description string `json:"description,omitempty"`
	ID          string `json:"ruleId,omitempty"`
}

func sgRecordOf(r ec2types.SecurityGroupRule) sgRecord {
	x := sgRecord{Egress: aws.ToBool(r.IsEgress), Protocol: aws.ToString(r.IpProtocol), FromPort: aws.ToInt32(r.FromPort), ToPort: aws.ToInt32(r.ToPort),
		CIDR: aws.ToString(r.CidrIpv4), CIDRv6: aws.ToString(r.CidrIpv6), PrefixList: aws.ToString(r.PrefixListId),
		Description: aws.ToString(r.Description), ID: aws.ToString(r.SecurityGroupRuleId)}
	if g := r.ReferencedGroupInfo; g != nil {
		x.Group, x.GroupOwner, x.Peering = aws.ToString(g.GroupId), aws.ToString(g.UserId), aws.ToString(g.VpcPeeringConnectionId)
	}
	return x
}

// same reports whether two rules allow the same traffic (ids and
// descriptions aside).
func (r sgRecord) same(o sgRecord) bool {
	r.ID, o.ID, r.Description, o.Description = "", "", "", ""
	r.Protocol, o.Protocol = protoNumber(r.Protocol), protoNumber(o.Protocol)
	return r == o
}

func (r sgRecord) permission() ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String(r.Protocol), FromPort: aws.Int32(r.FromPort), ToPort: aws.Int32(r.ToPort)}
	desc := aws.String(r.Description)
	if r.Description == "" {
		desc = nil
	}
	switch {
	case r.CIDR != "":
		p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(r.CIDR), Description: desc}}
	case r.CIDRv6 != "":
		p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(r.CIDRv6), Description: desc}}
	case r.PrefixList != "":
		p.PrefixListIds = []ec2types.PrefixListId{{PrefixListId: aws.String(r.PrefixList), Description: desc}}
	case r.Group != "":
		pair := ec2types.UserIdGroupPair{GroupId: aws.String(r.Group), Description: desc}
		if r.GroupOwner != "" {
			pair.UserId = aws.String(r.GroupOwner)
		}
		if r.Peering != "" {
			pair.VpcPeeringConnectionId = aws.String(r.Peering)
		}
		p.UserIdGroupPairs = []ec2types.UserIdGroupPair{pair}
	}
	return p
}

func (r sgRecord) String() string {
	src := r.CIDR + r.CIDRv6 + r.PrefixList + r.Group
	dir := "from"
	if r.Egress {
		dir = "to"
	}
	s := fmt.Sprintf("%s %s %s", protoName(r.Protocol), dir, src)
	if p := protoNumber(r.Protocol); p == protoTCP || p == protoUDP {
		s = fmt.Sprintf("%s %s %s %s", protoName(r.Protocol), portRange{r.FromPort, r.ToPort}, dir, src)
	}
	if r.Description != "" {
		s += fmt.Sprintf(" (%q)", r.Description)
	}
	return s
}

// recordRevoked records the rules a revoke removes, in full.
func recordRevoked(group string, rules []ec2types.SecurityGroupRule) *plan.Prior {
	var was []sgRecord
	for _, r := range rules {
		was = append(was, sgRecordOf(r))
	}
	return plan.Replaced(kindRulesRevoked, group, was, nil)
}

// recordAuthorized records the ingress rules an authorize adds.
func recordAuthorized(group string, perms []ec2types.IpPermission) *plan.Prior {
	var set []sgRecord
	for _, p := range perms {
		base := sgRecord{Protocol: aws.ToString(p.IpProtocol), FromPort: aws.ToInt32(p.FromPort), ToPort: aws.ToInt32(p.ToPort)}
		for _, r := range p.IpRanges {
			x := base
			x.CIDR, x.Description = aws.ToString(r.CidrIp), aws.ToString(r.Description)
			set = append(set, x)
		}
		for _, r := range p.Ipv6Ranges {
			x := base
			x.CIDRv6, x.Description = aws.ToString(r.CidrIpv6), aws.ToString(r.Description)
			set = append(set, x)
		}
	}
	return plan.Replaced(kindRulesAuthorized, group, nil, set)
}

// liveRules reads a group's rules as records; nil with a refusal when the
// group is gone.
func liveRules(ctx context.Context, t *Target, p *plan.Prior) ([]sgRecord, *plan.Plan, error) {
	_, rules, gone, err := groupRules(ctx, t.Clients.EC2(), p.Resource)
	if err != nil || gone {
		if gone {
			return nil, plan.Changed(p, "the security group no longer exists"), nil
		}
		return nil, nil, err
	}
	var out []sgRecord
	for _, r := range rules {
		out = append(out, sgRecordOf(r))
	}
	return out, nil, nil
}

// undoRulesRevoked authorizes the revoked rules again, but not those that
// are back already: adding a rule never overwrites one.
func undoRulesRevoked(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was []sgRecord
	if err := pr.Decode(&was, nil); err != nil {
		return nil, err
	}
	live, refused, err := liveRules(ctx, t, pr)
	if refused != nil || err != nil {
		return refused, err
	}
	p := &plan.Plan{}
	byDir := map[bool][]sgRecord{}
	for _, r := range was {
		if slices.ContainsFunc(live, r.same) {
			p.Note("rule %s of %s is there already", r, pr.Resource)
			continue
		}
		byDir[r.Egress] = append(byDir[r.Egress], r)
	}
	api, id := t.Clients.EC2(), aws.String(pr.Resource)
	for _, egress := range []bool{false, true} {
		rules := byDir[egress]
		if len(rules) == 0 {
			continue
		}
		var ps []ec2types.IpPermission
		var desc []string
		for _, r := range rules {
			ps = append(ps, r.permission())
			desc = append(desc, r.String())
		}
		if egress {
			p.Addf(func(ctx context.Context) error {
				_, err := api.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: id, IpPermissions: ps})
				return err
			}, "authorize again %d egress rule(s) of security group %s: %s", len(rules), pr.Resource, strings.Join(desc, "; "))
		} else {
			p.Addf(func(ctx context.Context) error {
				_, err := api.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: id, IpPermissions: ps})
				return err
			}, "authorize again %d ingress rule(s) of security group %s: %s", len(rules), pr.Resource, strings.Join(desc, "; "))
		}
	}
	return p, nil
}

// undoRulesAuthorized revokes the ingress rules cisguard added, found by
// what they allow and their description; a rule whose description was
// changed since is someone else's now and is kept.
func undoRulesAuthorized(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var set []sgRecord
	if err := pr.Decode(nil, &set); err != nil {
		return nil, err
	}
	live, refused, err := liveRules(ctx, t, pr)
	if refused != nil || err != nil {
		return refused, err
	}
	p := &plan.Plan{}
	var ids, desc []string
	for _, r := range set {
		i := slices.IndexFunc(live, func(l sgRecord) bool { return !l.Egress && l.same(r) })
		switch {
		case i < 0:
			p.Note("rule %s of %s is gone already", r, pr.Resource)
		case live[i].Description != r.Description:
			p.Leave(fmt.Sprintf("rule %s of %s changed since cisguard added it (description now %q): not revoked", r, pr.Resource, live[i].Description))
		default:
			ids, desc = append(ids, live[i].ID), append(desc, live[i].ID+" "+r.String())
		}
	}
	if len(ids) > 0 {
		api := t.Clients.EC2()
		p.Addf(func(ctx context.Context) error {
			_, err := api.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(pr.Resource), SecurityGroupRuleIds: ids})
			return err
		}, "revoke %d ingress rule(s) cisguard added to security group %s: %s", len(ids), pr.Resource, strings.Join(desc, "; "))
	}
	return p, nil
}

// Network ACL entries (5.1).

// naclRecord is a network ACL entry in full, with its rule number.
type naclRecord struct {
	Number   int32  `json:"ruleNumber"`
	Egress   bool   `json:"egress"`
	Protocol string `json:"protocol"`
	Action   string `json:"ruleAction"`
	CIDR     string `json:"cidrBlock,omitempty"`
	CIDRv6   string `json:"ipv6CidrBlock,omitempty"`
	From     *int32 `json:"fromPort,omitempty"`
	To       *int32 `json:"toPort,omitempty"`
	ICMPType *int32 `json:"icmpType,omitempty"`
	ICMPCode *int32 `json:"icmpCode,omitempty"`
}

// naclRecordOf reads an entry; nil for none. Ports count only for TCP and
// UDP, type and code only for ICMP, as EC2 applies them.
func naclRecordOf(e *ec2types.NetworkAclEntry) *naclRecord {
	if e == nil {
		return nil
	}
	r := &naclRecord{Number: aws.ToInt32(e.RuleNumber), Egress: aws.ToBool(e.Egress), Protocol: protoNumber(aws.ToString(e.Protocol)),
		Action: string(e.RuleAction), CIDR: aws.ToString(e.CidrBlock), CIDRv6: aws.ToString(e.Ipv6CidrBlock)}
	switch r.Protocol {
	case protoTCP, protoUDP:
		if e.PortRange != nil {
			r.From, r.To = e.PortRange.From, e.PortRange.To
		}
	case protoICMP, protoICMPv6:
		r.ICMPType, r.ICMPCode = aws.Int32(-1), aws.Int32(-1) // all types and codes: what an entry without them means
		if c := e.IcmpTypeCode; c != nil {
			r.ICMPType, r.ICMPCode = aws.Int32(aws.ToInt32(c.Type)), aws.Int32(aws.ToInt32(c.Code))
		}
	}
	return r
}

func (r *naclRecord) entry() ec2types.NetworkAclEntry {
	e := ec2types.NetworkAclEntry{RuleNumber: aws.Int32(r.Number), Egress: aws.Bool(r.Egress), Protocol: aws.String(r.Protocol), RuleAction: ec2types.RuleAction(r.Action)}
	if r.CIDR != "" {
		e.CidrBlock = aws.String(r.CIDR)
	}
	if r.CIDRv6 != "" {
		e.Ipv6CidrBlock = aws.String(r.CIDRv6)
	}
	if r.From != nil {
		e.PortRange = &ec2types.PortRange{From: r.From, To: r.To}
	}
	if r.ICMPType != nil {
		e.IcmpTypeCode = &ec2types.IcmpTypeCode{Type: r.ICMPType, Code: r.ICMPCode}
	}
	return e
}

func (r *naclRecord) String() string {
	if r == nil {
		return "no entry"
	}
	e := r.entry()
	return fmt.Sprintf("%d: %s %s", r.Number, r.Action, naclRule(e))
}

// recordNACLEntry records an entry replaced by another (either nil: added
// or deleted).
func recordNACLEntry(acl string, was, set *ec2types.NetworkAclEntry) *plan.Prior {
	return plan.Replaced(kindNACLEntry, acl, naclRecordOf(was), naclRecordOf(set))
}

// undoNACLEntry puts the recorded entry back at its rule number when the
// number still holds what cisguard left there.
func undoNACLEntry(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set *naclRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	ref := was
	if ref == nil {
		ref = set
	}
	if ref == nil {
		return nil, fmt.Errorf("record %s of %s holds no entry", pr.Kind, pr.Resource)
	}
	api := t.Clients.EC2()
	out, err := api.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{pr.Resource}})
	if awsapi.IsNotFound(err) || err == nil && len(out.NetworkAcls) == 0 {
		return plan.Changed(pr, "the network ACL no longer exists"), nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe network ACL %s: %w", pr.Resource, err)
	}
	var live *naclRecord
	for _, e := range out.NetworkAcls[0].Entries {
		if aws.ToInt32(e.RuleNumber) == ref.Number && aws.ToBool(e.Egress) == ref.Egress {
			live = naclRecordOf(&e)
		}
	}
	p := &plan.Plan{}
	switch {
	case reflect.DeepEqual(live, was):
		p.Note("entry %s of %s is as it was", was, pr.Resource)
		return p, nil
	case !reflect.DeepEqual(live, set):
		return plan.Changed(pr, fmt.Sprintf("rule %d is now %s, cisguard left %s", ref.Number, live, set)), nil
	}
	n := &naclPlanner{ec2: api, id: pr.Resource}
	switch {
	case was == nil:
		p.Addf(n.delete(set.Number), "delete network ACL %s ingress entry %s (added by cisguard)", pr.Resource, set)
	case set == nil:
		p.Addf(n.put(was.entry(), false), "add network ACL %s ingress entry %s again", pr.Resource, was)
	default:
		p.Addf(n.put(was.entry(), true), "replace network ACL %s ingress entry %s with the original %s", pr.Resource, set, was)
	}
	return p, nil
}

// EBS encryption by default (2.2.1).

func undoEBSDefault(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was bool
	if err := pr.Decode(&was, nil); err != nil {
		return nil, err
	}
	api := t.Clients.EC2()
	out, err := api.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil {
		return nil, fmt.Errorf("read EBS encryption by default in %s: %w", t.Region(), err)
	}
	p := &plan.Plan{}
	if on := aws.ToBool(out.EbsEncryptionByDefault); on == was {
		p.Note("EBS encryption by default in %s is as it was (%v)", t.Region(), was)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DisableEbsEncryptionByDefault(ctx, &ec2.DisableEbsEncryptionByDefaultInput{})
		return err
	}, "turn off EBS encryption by default for account %s in %s, as it was (new volumes are no longer encrypted unless asked)", t.Account(), t.Region())
	return p, nil
}

// Buckets (2.1.x, and the trail bucket of 3.3).

func undoBucketPolicy(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was *string
	var set string
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	api, _, gone, err := bucketClients(ctx, t, pr.Resource)
	if err != nil || gone {
		if gone {
			return plan.Changed(pr, "the bucket no longer exists"), nil
		}
		return nil, err
	}
	out, err := api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(pr.Resource)})
	none := awsapi.HasCode(err, "NoSuchBucketPolicy")
	if err != nil && !none {
		return nil, fmt.Errorf("read policy of bucket %s: %w", pr.Resource, err)
	}
	p, name := &plan.Plan{}, aws.String(pr.Resource)
	switch {
	case none && was == nil || !none && was != nil && sameJSON(aws.ToString(out.Policy), *was):
		p.Note("the policy of bucket %s is as it was", pr.Resource)
		return p, nil
	case none:
		return plan.Changed(pr, "the bucket has no policy now"), nil
	case !sameJSON(aws.ToString(out.Policy), set):
		return plan.Changed(pr, "its policy is not the one cisguard wrote"), nil
	}
	if was == nil {
		p.Addf(func(ctx context.Context) error {
			_, err := api.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: name})
			return err
		}, "delete the policy of bucket %s: it had none before cisguard", pr.Resource)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: name, Policy: was})
		return err
	}, "put back the previous policy of bucket %s (%d bytes)", pr.Resource, len(*was))
	return p, nil
}

// pab is a Block Public Access configuration.
type pab struct {
	BlockPublicAcls       bool `json:"blockPublicAcls"`
	IgnorePublicAcls      bool `json:"ignorePublicAcls"`
	BlockPublicPolicy     bool `json:"blockPublicPolicy"`
	RestrictPublicBuckets bool `json:"restrictPublicBuckets"`
}

// pabOf reads the four flags in S3's order; nil for none.
func pabOf(cur *[4]bool) *pab {
	if cur == nil {
		return nil
	}
	return &pab{cur[0], cur[1], cur[2], cur[3]}
}

var pabAllOn = &pab{true, true, true, true}

// recordPAB records turning every flag on, from cur (nil: none).
func recordPAB(kind, resource string, cur *[4]bool) *plan.Prior {
	return plan.Replaced(kind, resource, pabOf(cur), pabAllOn)
}

// undoPAB plans the restore of a Block Public Access configuration: live
// is what is there now (nil: none).
func undoPAB(pr *plan.Prior, what string, live *pab, put func(context.Context, pab) error, del func(context.Context) error) (*plan.Plan, error) {
	var was, set *pab
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	p := &plan.Plan{}
	switch {
	case reflect.DeepEqual(live, was):
		p.Note("Block Public Access of %s is as it was", what)
	case !reflect.DeepEqual(live, set):
		return plan.Changed(pr, fmt.Sprintf("Block Public Access is now %+v", live)), nil
	case was == nil:
		p.Addf(del, "delete the Block Public Access configuration of %s: it had none before cisguard", what)
	default:
		w := *was
		p.Addf(func(ctx context.Context) error { return put(ctx, w) }, "put back Block Public Access of %s as it was: %+v", what, w)
	}
	return p, nil
}

func undoBucketPAB(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	api, _, gone, err := bucketClients(ctx, t, pr.Resource)
	if err != nil || gone {
		if gone {
			return plan.Changed(pr, "the bucket no longer exists"), nil
		}
		return nil, err
	}
	name := aws.String(pr.Resource)
	out, err := api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: name})
	var live *pab
	switch {
	case awsapi.HasCode(err, "NoSuchPublicAccessBlockConfiguration"):
	case err != nil:
		return nil, fmt.Errorf("read S3 Block Public Access of bucket %s: %w", pr.Resource, err)
	default:
		c := out.PublicAccessBlockConfiguration
		live = &pab{aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.RestrictPublicBuckets)}
	}
	return undoPAB(pr, "bucket "+pr.Resource, live, func(ctx context.Context, w pab) error {
		_, err := api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: name, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(w.BlockPublicAcls), IgnorePublicAcls: aws.Bool(w.IgnorePublicAcls), BlockPublicPolicy: aws.Bool(w.BlockPublicPolicy), RestrictPublicBuckets: aws.Bool(w.RestrictPublicBuckets)}})
		return err
	}, func(ctx context.Context) error {
		_, err := api.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: name})
		return err
	})
}

func undoAccountPAB(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	api, account := t.Clients.S3Control(), aws.String(t.Account())
	out, err := api.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: account})
	var live *pab
	switch {
	case awsapi.HasCode(err, "NoSuchPublicAccessBlockConfiguration"):
	case err != nil:
		return nil, fmt.Errorf("read S3 Block Public Access of account %s: %w", t.Account(), err)
	default:
		c := out.PublicAccessBlockConfiguration
		live = &pab{aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.RestrictPublicBuckets)}
	}
	return undoPAB(pr, "account "+t.Account(), live, func(ctx context.Context, w pab) error {
		_, err := api.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: account, PublicAccessBlockConfiguration: &s3ctltypes.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(w.BlockPublicAcls), IgnorePublicAcls: aws.Bool(w.IgnorePublicAcls), BlockPublicPolicy: aws.Bool(w.BlockPublicPolicy), RestrictPublicBuckets: aws.Bool(w.RestrictPublicBuckets)}})
		return err
	}, func(ctx context.Context) error {
		_, err := api.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: account})
		return err
	})
}

// recordBucketEncryption: 2.1.1's default encryption is kept on revert.
func recordBucketEncryption(bucket string) *plan.Prior {
	return plan.Keep(kindBucketEncrypt, bucket, "S3 has encrypted every new object with SSE-S3 since January 2023; without this configuration the bucket would use the same", "AES256")
}

// Password policy (1.8, 1.9).

// policyOf reads an update as the policy it writes.
func policyOf(in *iam.UpdateAccountPasswordPolicyInput) *iamtypes.PasswordPolicy {
	return &iamtypes.PasswordPolicy{
		AllowUsersToChangePassword: in.AllowUsersToChangePassword, HardExpiry: in.HardExpiry, MaxPasswordAge: in.MaxPasswordAge,
		MinimumPasswordLength: in.MinimumPasswordLength, PasswordReusePrevention: in.PasswordReusePrevention,
		RequireLowercaseCharacters: in.RequireLowercaseCharacters, RequireNumbers: in.RequireNumbers,
		RequireSymbols: in.RequireSymbols, RequireUppercaseCharacters: in.RequireUppercaseCharacters,
	}
}

// samePasswordPolicy compares the fields an update writes (HardExpiry
// unset is false).
func samePasswordPolicy(a, b *iamtypes.PasswordPolicy) bool {
	norm := func(p *iamtypes.PasswordPolicy) string {
		in := policyInput(p)
		in.HardExpiry = aws.Bool(aws.ToBool(in.HardExpiry))
		x, _ := json.Marshal(in)
		return string(x)
	}
	return norm(a) == norm(b)
}

func undoPasswordPolicy(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set *iamtypes.PasswordPolicy
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	api := t.Clients.IAM()
	live, exists, err := passwordPolicy(ctx, api, t.Account())
	p := &plan.Plan{}
	switch {
	case err != nil:
		return nil, err
	case !exists && was == nil || exists && was != nil && samePasswordPolicy(live, was):
		p.Note("the password policy of account %s is as it was", t.Account())
		return p, nil
	case !exists:
		return plan.Changed(pr, "the account has no password policy now"), nil
	case !samePasswordPolicy(live, set):
		return plan.Changed(pr, "the policy is not the one cisguard wrote"), nil
	}
	if was == nil {
		p.Addf(func(ctx context.Context) error {
			_, err := api.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{})
			return err
		}, "delete the password policy of account %s: it had none before cisguard (IAM's default rules apply again)", t.Account())
		return p, nil
	}
	in := policyInput(was)
	p.Addf(func(ctx context.Context) error {
		_, err := api.UpdateAccountPasswordPolicy(ctx, in)
		return err
	}, "put back the password policy of account %s: MinimumPasswordLength %d, PasswordReusePrevention %d, other fields as they were",
		t.Account(), aws.ToInt32(was.MinimumPasswordLength), aws.ToInt32(was.PasswordReusePrevention))
	return p, nil
}

// Credentials (1.12, 1.14).

// keyRecord is an access key of a user, with its status.
type keyRecord struct {
	User   string `json:"user"`
	Key    string `json:"accessKeyId"`
	Status string `json:"status"`
}

func recordKeyStatus(user, key string) *plan.Prior {
	return plan.Replaced(kindKeyStatus, key, keyRecord{user, key, string(iamtypes.StatusTypeActive)}, keyRecord{user, key, string(iamtypes.StatusTypeInactive)})
}

func recordKeyDeleted(user, key string) *plan.Prior {
	return plan.Lose(kindKeyDeleted, key, fmt.Sprintf("IAM cannot bring back a deleted access key: give IAM user %s a new one (aws iam create-access-key --user-name %s) and move its applications to it", user, user),
		keyRecord{user, key, string(iamtypes.StatusTypeActive)})
}

func recordLoginProfile(user string, lp *iamtypes.LoginProfile) *plan.Prior {
	return plan.Lose(kindLoginProfile, user, fmt.Sprintf("IAM does not keep a deleted console password: set a new one (aws iam create-login-profile --user-name %s --password-reset-required --password <temporary>)", user),
		map[string]any{"user": user, "created": aws.ToTime(lp.CreateDate), "passwordResetRequired": lp.PasswordResetRequired})
}

func undoKeyStatus(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set keyRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	api := t.Clients.IAM()
	keys, err := accessKeys(ctx, api, was.User)
	if awsapi.IsNotFound(err) {
		return plan.Changed(pr, "IAM user "+was.User+" no longer exists"), nil
	}
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(keys, func(k iamtypes.AccessKeyMetadata) bool { return aws.ToString(k.AccessKeyId) == was.Key })
	p := &plan.Plan{}
	switch {
	case i < 0:
		return plan.Changed(pr, "the key was deleted since"), nil
	case string(keys[i].Status) == was.Status:
		p.Note("access key %s of IAM user %s is %s already", was.Key, was.User, was.Status)
	case string(keys[i].Status) != set.Status:
		return plan.Changed(pr, "the key is "+string(keys[i].Status)), nil
	default:
		p.Addf(setKeyStatus(api, was.User, was.Key, iamtypes.StatusType(was.Status)), "set access key %s of IAM user %s back to %s", was.Key, was.User, was.Status)
	}
	return p, nil
}

// Roles (1.17).

// recordRole records a role cisguard creates.
func recordRole(name string) *plan.Prior {
	return plan.Replaced(kindRole, name, nil, map[string]string{"role": name, perms.ManagedTagKey: perms.ManagedTagValue})
}

// recordRolePolicy records a managed policy cisguard attaches to a role.
func recordRolePolicy(role, policy string) *plan.Prior {
	return plan.Replaced(kindRolePolicy, role, nil, policy)
}

// undoRole deletes a role cisguard created, while it still carries
// cisguard's tag; IAM refuses (DeleteConflict) while policies someone
// else attached remain, and so the role is kept.
func undoRole(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	api := t.Clients.IAM()
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(pr.Resource)})
	p := &plan.Plan{}
	switch {
	case awsapi.IsNotFound(err):
		p.Note("IAM role %s no longer exists", pr.Resource)
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("get IAM role %s: %w", pr.Resource, err)
	}
	if !slices.ContainsFunc(out.Role.Tags, func(tg iamtypes.Tag) bool {
		return aws.ToString(tg.Key) == perms.ManagedTagKey && aws.ToString(tg.Value) == perms.ManagedTagValue
	}) {
		return plan.Changed(pr, "the role no longer carries the tag "+perms.ManagedTagKey), nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(pr.Resource)})
		return err
	}, "delete IAM role %s, created by cisguard", pr.Resource)
	return p, nil
}

func undoRolePolicy(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var policy string
	if err := pr.Decode(nil, &policy); err != nil {
		return nil, err
	}
	api := t.Clients.IAM()
	p := &plan.Plan{}
	var attached []string
	pages := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(pr.Resource)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if awsapi.IsNotFound(err) {
			p.Note("IAM role %s no longer exists", pr.Resource)
			return p, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list policies of IAM role %s: %w", pr.Resource, err)
		}
		for _, a := range pg.AttachedPolicies {
			attached = append(attached, aws.ToString(a.PolicyArn))
		}
	}
	if !slices.Contains(attached, policy) {
		p.Note("%s is not attached to IAM role %s", policy, pr.Resource)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(pr.Resource), PolicyArn: aws.String(policy)})
		return err
	}, "detach %s from IAM role %s", policy, pr.Resource)
	return p, nil
}

// Trails (3.1, 3.2, 3.4, 3.7).

const (
	kindTrailSettings = "cloudtrail:trail-settings"
	kindTrailLogging  = "cloudtrail:logging"
	// kindCreated is a resource cisguard created and a revert keeps.
	kindCreated = "created"
)

// trailRecord is the part of a trail's settings an UpdateTrail changes:
// only the fields it sets are recorded ("" and false: none, off).
type trailRecord struct {
	MultiRegion  *bool   `json:"isMultiRegionTrail,omitempty"`
	GlobalEvents *bool   `json:"includeGlobalServiceEvents,omitempty"`
	Validation   *bool   `json:"logFileValidationEnabled,omitempty"`
	KMSKey       *string `json:"kmsKeyId,omitempty"`
	LogGroup     *string `json:"cloudWatchLogsLogGroupArn,omitempty"`
	LogRole      *string `json:"cloudWatchLogsRoleArn,omitempty"`
}

// trailFields reads, from x, the fields that are set in in.
func trailFields(in cloudtrail.UpdateTrailInput, x cttypes.Trail) trailRecord {
	var r trailRecord
	b := func(set *bool, v *bool) *bool {
		if set == nil {
			return nil
		}
		return aws.Bool(aws.ToBool(v))
	}
	s := func(set *string, v *string) *string {
		if set == nil {
			return nil
		}
		return aws.String(aws.ToString(v))
	}
	r.MultiRegion, r.GlobalEvents, r.Validation = b(in.IsMultiRegionTrail, x.IsMultiRegionTrail), b(in.IncludeGlobalServiceEvents, x.IncludeGlobalServiceEvents), b(in.EnableLogFileValidation, x.LogFileValidationEnabled)
	r.KMSKey, r.LogGroup, r.LogRole = s(in.KmsKeyId, x.KmsKeyId), s(in.CloudWatchLogsLogGroupArn, x.CloudWatchLogsLogGroupArn), s(in.CloudWatchLogsRoleArn, x.CloudWatchLogsRoleArn)
	return r
}

func (r trailRecord) input() cloudtrail.UpdateTrailInput {
	return cloudtrail.UpdateTrailInput{IsMultiRegionTrail: r.MultiRegion, IncludeGlobalServiceEvents: r.GlobalEvents, EnableLogFileValidation: r.Validation,
		KmsKeyId: r.KMSKey, CloudWatchLogsLogGroupArn: r.LogGroup, CloudWatchLogsRoleArn: r.LogRole}
}

// record records an UpdateTrail: the fields it sets, as the trail had them
// when the plan read it, and as it sets them.
func (tr *trail) record(in cloudtrail.UpdateTrailInput) *plan.Prior {
	set := trailFields(in, cttypes.Trail{IsMultiRegionTrail: in.IsMultiRegionTrail, IncludeGlobalServiceEvents: in.IncludeGlobalServiceEvents,
		LogFileValidationEnabled: in.EnableLogFileValidation, KmsKeyId: in.KmsKeyId, CloudWatchLogsLogGroupArn: in.CloudWatchLogsLogGroupArn, CloudWatchLogsRoleArn: in.CloudWatchLogsRoleArn})
	return plan.Replaced(kindTrailSettings, tr.arn(), trailFields(in, tr.Trail), set)
}

// homeTrail reads a trail by ARN in its home region (from the ARN).
func homeTrail(ctx context.Context, t *Target, arn string) (*cttypes.Trail, awsapi.CloudTrail, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return nil, nil, fmt.Errorf("%q is not a trail ARN", arn)
	}
	c, err := t.Clients.In(parts[3])
	if err != nil {
		return nil, nil, err
	}
	api := c.CloudTrail()
	out, err := api.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: []string{arn}, IncludeShadowTrails: aws.Bool(false)})
	if err != nil {
		return nil, nil, fmt.Errorf("describe trail %s: %w", arn, err)
	}
	for _, x := range out.TrailList {
		if aws.ToString(x.TrailARN) == arn {
			return &x, api, nil
		}
	}
	return nil, api, nil
}

func undoTrailSettings(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set trailRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	x, api, err := homeTrail(ctx, t, pr.Resource)
	if err != nil {
		return nil, err
	}
	if x == nil {
		return plan.Changed(pr, "the trail no longer exists"), nil
	}
	in := was.input()
	live := trailFields(in, *x)
	p := &plan.Plan{}
	switch {
	case reflect.DeepEqual(live, was):
		p.Note("the settings of trail %s are as they were", pr.Resource)
		return p, nil
	case !reflect.DeepEqual(live, set):
		return plan.Changed(pr, "its settings are now "+jsonText(live)), nil
	}
	in.Name = aws.String(pr.Resource)
	p.Addf(func(ctx context.Context) error {
		_, err := api.UpdateTrail(ctx, &in)
		return err
	}, "put back the settings of trail %s: %s", pr.Resource, jsonText(was))
	return p, nil
}

func undoTrailLogging(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	x, api, err := homeTrail(ctx, t, pr.Resource)
	if err != nil {
		return nil, err
	}
	if x == nil {
		return plan.Changed(pr, "the trail no longer exists"), nil
	}
	st, err := api.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(pr.Resource)})
	if err != nil {
		return nil, fmt.Errorf("read status of trail %s: %w", pr.Resource, err)
	}
	p := &plan.Plan{}
	if !aws.ToBool(st.IsLogging) {
		p.Note("trail %s is not logging, as before", pr.Resource)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String(pr.Resource)})
		return err
	}, "stop logging on trail %s, as before (its settings and log files stay)", pr.Resource)
	return p, nil
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }
