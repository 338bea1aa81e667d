package controls

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ctsdk "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	s3ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

// applyRecorded remediates a control and returns the results of its
// actions as a result file holds them (through JSON).
func (h *harness) applyRecorded(id string, res finding.Resource, settings string) []plan.Result {
	h.t.Helper()
	c, t := h.target(id, res, settings)
	p, err := h.plan(c, t)
	if err != nil {
		h.t.Fatalf("%s plan: %v", id, err)
	}
	o := plan.Apply(h.ctx(c), p)
	if o.Err != nil {
		h.t.Fatalf("%s apply: %v", id, o.Err)
	}
	h.recorded(id, o)
	b, err := json.Marshal(o.Results)
	if err != nil {
		h.t.Fatal(err)
	}
	var rs []plan.Result
	if err := json.Unmarshal(b, &rs); err != nil {
		h.t.Fatal(err)
	}
	if len(plan.Records(rs)) == 0 {
		h.t.Fatalf("%s recorded nothing: %s", id, b)
	}
	return rs
}

// revert reverts every record of rs, newest first, under the control's
// declaration (the control declares its revert's writes), and returns
// each revert plan and the error of applying it.
func (h *harness) revert(id string, res finding.Resource, rs []plan.Result) (plans []*plan.Plan, errs []error) {
	h.t.Helper()
	c, t := h.target(id, res, "")
	for _, r := range plan.Records(rs) {
		q, err := Undo(h.ctx(c), t, r.Prior)
		if err != nil {
			h.t.Fatalf("%s undo %s: %v", id, r.Prior.Kind, err)
		}
		plans = append(plans, q)
		errs = append(errs, plan.Apply(h.ctx(c), q).Err)
	}
	return plans, errs
}

// left returns the reasons of the residuals a person must act on.
func left(plans []*plan.Plan) string {
	var out []string
	for _, p := range plans {
		for _, r := range p.Residuals {
			if !r.Accepted {
				out = append(out, r.Reason)
			}
		}
	}
	return strings.Join(out, "\n")
}

// Snapshots of fake state, compared deeply.

func naclState(h *harness, acl string) any {
	e := h.acct.EC2(testRegion).NetworkACL(acl)
	slices.SortFunc(e, func(a, b ec2types.NetworkAclEntry) int {
		return cmp.Or(cmp.Compare(fmt.Sprint(aws.ToBool(a.Egress)), fmt.Sprint(aws.ToBool(b.Egress))), cmp.Compare(aws.ToInt32(a.RuleNumber), aws.ToInt32(b.RuleNumber)))
	})
	return e
}

// sgState is a group's rules without their ids (a rule authorized again
// gets a new id, as in AWS).
func sgState(h *harness, sg string) any {
	var out []sgRecord
	for _, r := range h.acct.EC2(testRegion).Rules(sg) {
		x := sgRecordOf(r)
		x.ID = ""
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b sgRecord) int { return cmp.Compare(fmt.Sprintf("%+v", a), fmt.Sprintf("%+v", b)) })
	return out
}

type undoCase struct {
	name, id, settings string
	// seed makes the account non-compliant; it returns the finding's
	// resource and a snapshot of the state the control changes.
	seed func(h *harness) (finding.Resource, func() any)
	// meddle changes the state after the fix, as a person would; revert
	// must then leave that change alone (and say so, when refused).
	meddle  func(h *harness)
	refused string // what a refusal says, "" when the revert only skips the changed part
	// changed snapshots what meddle changed, which the revert must leave
	// as meddle left it; nil: the whole snapshot.
	changed func(h *harness) any
	// org runs the case in an organization whose administrator account
	// owns the alarm queue (section 4, newOrgHarness).
	org bool
}

func (c undoCase) harness(t *testing.T) *harness {
	if c.org {
		h, _ := newOrgHarness(t)
		return h
	}
	return newHarness(t)
}

func TestRevertRestoresEachControl(t *testing.T) {
	for _, c := range undoCases() {
		t.Run(c.id+" "+c.name, func(t *testing.T) {
			h := c.harness(t)
			res, snap := c.seed(h)
			before := snap()
			rs := h.applyRecorded(c.id, res, c.settings)
			if reflect.DeepEqual(snap(), before) {
				t.Fatalf("%s changed nothing the snapshot sees", c.id)
			}
			plans, errs := h.revert(c.id, res, rs)
			for i, err := range errs {
				if err != nil {
					t.Fatalf("revert %d: %v\n%s", i, err, plans[i])
				}
			}
			if l := left(plans); l != "" {
				t.Fatalf("revert left: %s", l)
			}
			if got := snap(); !reflect.DeepEqual(got, before) {
				t.Fatalf("after revert:\n%+v\nwant the original:\n%+v", jsonOf(got), jsonOf(before))
			}
			// A second revert finds everything as it was: no action, no refusal.
			plans, _ = h.revert(c.id, res, rs)
			for _, p := range plans {
				if !p.Empty() || left([]*plan.Plan{p}) != "" {
					t.Errorf("second revert plans:\n%s", p)
				}
			}
		})
	}
}

func TestRevertLeavesChangesMadeSince(t *testing.T) {
	for _, c := range undoCases() {
		if c.meddle == nil {
			continue
		}
		t.Run(c.id+" "+c.name, func(t *testing.T) {
			h := c.harness(t)
			res, snap := c.seed(h)
			rs := h.applyRecorded(c.id, res, c.settings)
			c.meddle(h)
			if c.changed != nil {
				snap = func() any { return c.changed(h) }
			}
			meddled := snap()
			plans, errs := h.revert(c.id, res, rs)
			if c.refused != "" && !strings.Contains(left(plans), c.refused) {
				t.Errorf("revert does not refuse with %q; it left %q", c.refused, left(plans))
			}
			for i, err := range errs {
				if err != nil && c.refused == "" {
					t.Errorf("revert %d: %v", i, err)
				}
			}
			if c.refused != "" && c.id != "5.1" && c.id != "5.2" && !reflect.DeepEqual(snap(), meddled) {
				t.Errorf("revert overwrote a change made since:\n%s\nwas\n%s", jsonOf(snap()), jsonOf(meddled))
			}
		})
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

var bg = context.Background()

func undoCases() []undoCase {
	ownTestPolicy := `{"Version":"2012-10-17","Statement":[` + allowRead + `]}`
	otherPolicy := `{"Version":"2012-10-17","Statement":[{"Sid":"Theirs","Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::x"}]}`
	return append([]undoCase{
		{name: "narrow allow-all entry", id: "5.1",
			seed: func(h *harness) (finding.Resource, func() any) {
				_, _, acl := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
				return naclRes(acl), func() any { return naclState(h, acl) }
			},
			meddle: func(h *harness) {
				acl := h.acct.EC2(testRegion)
				id := aws.ToString(firstACL(h))
				if _, err := acl.ReplaceNetworkAclEntry(bg, &ec2sdk.ReplaceNetworkAclEntryInput{NetworkAclId: &id, RuleNumber: aws.Int32(100), Egress: aws.Bool(false),
					Protocol: aws.String("6"), RuleAction: ec2types.RuleActionAllow, CidrBlock: aws.String("10.0.0.0/8"), PortRange: &ec2types.PortRange{From: aws.Int32(443), To: aws.Int32(443)}}); err != nil {
					panic(err)
				}
			},
			refused: "rule 100 is now 100: allow tcp 443 from 10.0.0.0/8",
		},
		{name: "remove an admin-only entry", id: "5.1", settings: "strategy: remove",
			seed: func(h *harness) (finding.Resource, func() any) {
				ec2 := h.acct.EC2(testRegion)
				acl := ec2.AddNetworkACL("vpc-1", nil, allow(90, "6", "0.0.0.0/0", 22, 22), allow(100, "6", "::/0", 3389, 3389), deny(110, "-1", "0.0.0.0/0"))
				return naclRes(acl), func() any { return naclState(h, acl) }
			},
		},
		{name: "default group, every kind of source", id: "5.3",
			seed: func(h *harness) (finding.Resource, func() any) {
				ec2 := h.acct.EC2(testRegion)
				_, sg, _ := ec2.AddVPC("10.0.0.0/16")
				other := ec2.AddSecurityGroup("vpc-1", "web", nil)
				ec2.AddRule(sg, false, ec2types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIpv4: aws.String("0.0.0.0/0"), Description: aws.String("ssh from anywhere")})
				ec2.AddRule(sg, false, ec2types.SecurityGroupRule{IpProtocol: aws.String("udp"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), CidrIpv6: aws.String("2001:db8::/32")})
				ec2.AddRule(sg, false, ec2types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), PrefixListId: aws.String("pl-0123456789abcdef0"), Description: aws.String("from the proxies")})
				ec2.AddRule(sg, true, ec2types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), ReferencedGroupInfo: &ec2types.ReferencedSecurityGroup{GroupId: aws.String(other), UserId: aws.String(testAccount)}})
				return sgRes(sg), func() any { return sgState(h, sg) }
			},
			meddle: func(h *harness) {
				// Someone allows SSH again, with their own description: it is
				// neither duplicated nor overwritten.
				sg := aws.ToString(firstGroup(h))
				h.acct.EC2(testRegion).AddRule(sg, false, ec2types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIpv4: aws.String("0.0.0.0/0"), Description: aws.String("mine")})
			},
		},
		{name: "narrowed wide rule", id: "5.2", settings: "mode: auto",
			seed: func(h *harness) (finding.Resource, func() any) {
				ec2 := h.acct.EC2(testRegion)
				sg := ec2.AddSecurityGroup("vpc-1", "web", nil)
				ec2.AddRule(sg, false, ec2types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535), CidrIpv4: aws.String("0.0.0.0/0"), Description: aws.String("everything")})
				return sgRes(sg), func() any { return sgState(h, sg) }
			},
			meddle: func(h *harness) {
				// Someone takes over the 0-21 piece under their own description.
				ec2 := h.acct.EC2(testRegion)
				sg := aws.ToString(firstGroup(h))
				for _, r := range ec2.Rules(sg) {
					if aws.ToInt32(r.ToPort) == 21 {
						if _, err := ec2.RevokeSecurityGroupIngress(bg, &ec2sdk.RevokeSecurityGroupIngressInput{GroupId: &sg, SecurityGroupRuleIds: []string{aws.ToString(r.SecurityGroupRuleId)}}); err != nil {
							panic(err)
						}
					}
				}
				ec2.AddRule(sg, false, ec2types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(21), CidrIpv4: aws.String("0.0.0.0/0"), Description: aws.String("ftp, mine")})
			},
			refused: "changed since cisguard added it",
		},
		{name: "merge into a policy", id: "2.1.2",
			seed: func(h *harness) (finding.Resource, func() any) {
				h.acct.AddBucket("site", "us-east-1").Policy = ownTestPolicy
				return bucketRes("site"), func() any { return h.acct.Bucket("site").Policy }
			},
			meddle:  func(h *harness) { setBucketPolicy(h, "site", otherPolicy) },
			refused: "its policy is not the one cisguard wrote",
		},
		{name: "a bucket without policy", id: "2.1.2",
			seed: func(h *harness) (finding.Resource, func() any) {
				h.acct.AddBucket("logs", testRegion)
				return bucketRes("logs"), func() any { return h.acct.Bucket("logs").Policy }
			},
			meddle:  func(h *harness) { setBucketPolicy(h, "logs", otherPolicy) },
			refused: "its policy is not the one cisguard wrote",
		},
		{name: "account without configuration", id: "2.1.5.1",
			seed: func(h *harness) (finding.Resource, func() any) {
				return accountResource(), func() any { return h.acct.AccountPublicAccessBlock() }
			},
			meddle: func(h *harness) {
				h.acct.SetAccountPublicAccessBlock(&s3ctltypes.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)})
			},
			refused: "Block Public Access is now",
		},
		{name: "account partly on", id: "2.1.5.1",
			seed: func(h *harness) (finding.Resource, func() any) {
				h.acct.SetAccountPublicAccessBlock(&s3ctltypes.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(false)})
				return accountResource(), func() any { return h.acct.AccountPublicAccessBlock() }
			},
		},
		{name: "bucket partly on", id: "2.1.5.2",
			seed: func(h *harness) (finding.Resource, func() any) {
				h.acct.AddBucket("site", testRegion).PublicAccessBlock = &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}
				return bucketRes("site"), func() any { return h.acct.Bucket("site").PublicAccessBlock }
			},
		},
		{name: "bucket without configuration", id: "2.1.5.2",
			seed: func(h *harness) (finding.Resource, func() any) {
				h.acct.AddBucket("site", testRegion)
				return bucketRes("site"), func() any { return h.acct.Bucket("site").PublicAccessBlock }
			},
		},
		{name: "default encryption off", id: "2.2.1",
			seed: func(h *harness) (finding.Resource, func() any) {
				return accountResource(), func() any { return h.acct.EC2(testRegion).EBSEncryptionByDefault() }
			},
		},
		{name: "length raised", id: "1.8",
			seed: func(h *harness) (finding.Resource, func() any) {
				h.acct.SetPasswordPolicy(&types.PasswordPolicy{MinimumPasswordLength: aws.Int32(8), PasswordReusePrevention: aws.Int32(5), MaxPasswordAge: aws.Int32(90), ExpirePasswords: true,
					HardExpiry: aws.Bool(true), AllowUsersToChangePassword: true, RequireSymbols: true})
				return accountResource(), func() any { return h.acct.PasswordPolicy() }
			},
			meddle: func(h *harness) {
				p := h.acct.PasswordPolicy()
				p.MinimumPasswordLength = aws.Int32(20)
				h.acct.SetPasswordPolicy(p)
			},
			refused: "the policy is not the one cisguard wrote",
		},
		{name: "no policy before", id: "1.8",
			seed: func(h *harness) (finding.Resource, func() any) {
				return accountResource(), func() any { return h.acct.PasswordPolicy() }
			},
		},
		{name: "no policy before", id: "1.9",
			seed: func(h *harness) (finding.Resource, func() any) {
				return accountResource(), func() any { return h.acct.PasswordPolicy() }
			},
			meddle: func(h *harness) {
				h.acct.SetPasswordPolicy(&types.PasswordPolicy{MinimumPasswordLength: aws.Int32(10)})
			},
			refused: "the policy is not the one cisguard wrote",
		},
		{name: "unused key deactivated", id: "1.12",
			seed: func(h *harness) (finding.Resource, func() any) {
				h.acct.AddUser(fake.User{Name: "alice", Created: ago(200), AccessKeys: []fake.AccessKey{{Created: ago(60)}, {Created: ago(1)}}})
				return userRes("alice"), func() any { return h.acct.User("alice") }
			},
			meddle: func(h *harness) {
				u := h.acct.User("alice")
				h.acct.DeleteUser("alice")
				u.AccessKeys = u.AccessKeys[1:]
				h.acct.AddUser(*u)
			},
			refused: "the key was deleted since",
		},
		{name: "old key deactivated", id: "1.14",
			seed: func(h *harness) (finding.Resource, func() any) {
				h.acct.AddUser(fake.User{Name: "bob", Created: ago(400), AccessKeys: []fake.AccessKey{{Created: ago(120)}}})
				return userRes("bob"), func() any { return h.acct.User("bob") }
			},
		},
		{name: "log file validation", id: "3.2",
			seed: func(h *harness) (finding.Resource, func() any) {
				arn := addTrail(h, testRegion, "main", nil)
				return trailRes(testRegion, "main"), func() any { return trailState(h, arn) }
			},
			meddle: func(h *harness) {
				h.acct.CloudTrail(testRegion).Trail(trailARN(testRegion, "main")) // exists
				if _, err := h.acct.CloudTrail(testRegion).UpdateTrail(bg, &ctsdk.UpdateTrailInput{Name: aws.String(trailARN(testRegion, "main")), EnableLogFileValidation: aws.Bool(false)}); err != nil {
					panic(err)
				}
			},
		},
		{name: "named single-region trail, stopped", id: "3.1", settings: "trail: main",
			seed: func(h *harness) (finding.Resource, func() any) {
				arn := addTrail(h, testRegion, "main", func(tr *fake.Trail) { tr.IsMultiRegionTrail, tr.Logging = aws.Bool(false), false })
				return accountResource(), func() any { return trailState(h, arn) }
			},
		},
		{name: "support role created", id: "1.17",
			seed: func(h *harness) (finding.Resource, func() any) {
				return accountResource(), func() any { return h.acct.Role("SupportAccessRole") }
			},
		},
		{name: "support policy attached to an existing role", id: "1.17",
			seed: func(h *harness) (finding.Resource, func() any) {
				h.acct.AddRole("SupportAccessRole", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`)
				return accountResource(), func() any { return h.acct.Role("SupportAccessRole") }
			},
		},
	}, append(append(loggingUndoCases(), monitoringUndoCases()...), iamUndoCases()...)...)
}

func firstACL(h *harness) *string {
	out, err := h.acct.EC2(testRegion).DescribeNetworkAcls(bg, &ec2sdk.DescribeNetworkAclsInput{})
	if err != nil || len(out.NetworkAcls) == 0 {
		panic(fmt.Sprint("no ACL: ", err))
	}
	return out.NetworkAcls[0].NetworkAclId
}

func firstGroup(h *harness) *string {
	out, err := h.acct.EC2(testRegion).DescribeSecurityGroups(bg, &ec2sdk.DescribeSecurityGroupsInput{})
	if err != nil || len(out.SecurityGroups) == 0 {
		panic(fmt.Sprint("no group: ", err))
	}
	return out.SecurityGroups[0].GroupId
}

// trailState is what the trail controls change on a trail.
func trailState(h *harness, arn string) string {
	tr := trailOf(h, arn)
	return fmt.Sprintf("multi %v global %v validation %v kms %q group %q role %q logging %v", aws.ToBool(tr.IsMultiRegionTrail), aws.ToBool(tr.IncludeGlobalServiceEvents),
		aws.ToBool(tr.LogFileValidationEnabled), aws.ToString(tr.KmsKeyId), aws.ToString(tr.CloudWatchLogsLogGroupArn), aws.ToString(tr.CloudWatchLogsRoleArn), tr.Logging)
}

// setBucketPolicy changes a bucket's policy as its owner would ("": delete it).
func setBucketPolicy(h *harness, bucket, policy string) {
	api := h.acct.S3(h.acct.Bucket(bucket).Region)
	var err error
	if policy == "" {
		_, err = api.DeleteBucketPolicy(bg, &s3sdk.DeleteBucketPolicyInput{Bucket: &bucket, ExpectedBucketOwner: aws.String(testAccount)})
	} else {
		_, err = api.PutBucketPolicy(bg, &s3sdk.PutBucketPolicyInput{Bucket: &bucket, Policy: &policy, ExpectedBucketOwner: aws.String(testAccount)})
	}
	if err != nil {
		panic(err)
	}
}

// Records that a revert cannot, or will not, restore.

func TestRevertSaysWhatItCannotRestore(t *testing.T) {
	h := newHarness(t)
	h.acct.AddUser(fake.User{Name: "carol", Created: ago(300), Password: agoPtr(100), AccessKeys: []fake.AccessKey{{Created: ago(60)}}})
	rs := h.applyRecorded("1.12", userRes("carol"), "keyAction: delete")
	plans, errs := h.revert("1.12", userRes("carol"), rs)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	l := left(plans)
	for _, want := range []string{"iam:login-profile-deleted of carol cannot be restored: IAM does not keep a deleted console password", "iam:access-key-deleted", "cannot be restored: IAM cannot bring back a deleted access key"} {
		if !strings.Contains(l, want) {
			t.Errorf("revert does not say %q; it says:\n%s", want, l)
		}
	}
	if u := h.acct.User("carol"); u.Password != nil || len(u.AccessKeys) != 0 {
		t.Errorf("user after revert: %+v", u)
	}
}

func TestBucketEncryptionIsKept(t *testing.T) {
	p, err := Undo(bg, nil, recordBucketEncryption("site"))
	if err != nil || p.State() != plan.Excepted || !strings.Contains(p.Residuals[0].Reason, "SSE-S3 since January 2023") {
		t.Fatalf("plan %v, %v", p, err)
	}
}

func TestRevertOfUnknownKindFails(t *testing.T) {
	if _, err := Undo(bg, nil, &plan.Prior{Kind: "ec2:teleport", Resource: "x"}); err == nil || !strings.Contains(err.Error(), "no revert known for ec2:teleport") {
		t.Fatal(err)
	}
}

// A deleted role whose policies someone changed is not deleted: IAM
// refuses, and the revert says so.
func TestSupportRoleWithOtherPoliciesIsNotDeleted(t *testing.T) {
	h := newHarness(t)
	rs := h.applyRecorded("1.17", accountResource(), "")
	h.acct.AddPolicy("Extra", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)
	if _, err := h.acct.IAM().AttachRolePolicy(bg, &iamsdk.AttachRolePolicyInput{RoleName: aws.String("SupportAccessRole"), PolicyArn: aws.String("arn:aws:iam::" + testAccount + ":policy/Extra")}); err != nil {
		t.Fatal(err)
	}
	_, errs := h.revert("1.17", accountResource(), rs)
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "DeleteConflict") {
		t.Errorf("errors %v", errs)
	}
	if r := h.acct.Role("SupportAccessRole"); r == nil || !slices.Equal(r.Attached, []string{"arn:aws:iam::" + testAccount + ":policy/Extra"}) {
		t.Errorf("role %+v", r)
	}
}

// A trail 3.1 created is stopped, not deleted; its bucket is kept.
func TestRevertNewTrailStopsIt(t *testing.T) {
	h := newHarness(t)
	rs := h.applyRecorded("3.1", accountResource(), "")
	plans, errs := h.revert("3.1", accountResource(), rs)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var kept []string
	for _, p := range plans {
		for _, r := range p.Residuals {
			if !r.Accepted {
				t.Errorf("left: %s", r.Reason)
			}
			kept = append(kept, r.Reason)
		}
	}
	containsAll(t, kept, "created arn:aws:cloudtrail:us-east-1:"+testAccount+":trail/cisguard-trail is kept", "aws cloudtrail delete-trail", "created cisguard-cloudtrail-"+testAccount+"-us-east-1 is kept")
	arn := trailARN("us-east-1", "cisguard-trail")
	if tr := trailOf(h, arn); tr.Logging {
		t.Error("the new trail is still logging")
	}
}
