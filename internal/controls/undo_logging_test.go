package controls

import (
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ctsdk "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	configtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

const (
	ctTrust   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	ctLogRole = "cisguard-cloudtrail-to-cloudwatch-logs"
)

// selectorState is a trail's event selectors, as CloudTrail reports them.
func selectorState(h *harness, arn string) string {
	tr := trailOf(h, arn)
	return jsonOf(selectorsOf(tr.Classic, tr.Advanced))
}

// inlineState is a role's inline policies.
func inlineState(h *harness, role string) map[string]string {
	if r := h.acct.Role(role); r != nil {
		return maps.Clone(r.Inline)
	}
	return nil
}

func putSelectors(h *harness, arn string, in *ctsdk.PutEventSelectorsInput) {
	in.TrailName = aws.String(arn)
	if _, err := h.acct.CloudTrail(arnRegion(arn)).PutEventSelectors(bg, in); err != nil {
		panic(err)
	}
}

// writeOnlySelector is a selector someone puts meanwhile.
var writeOnlySelector = &ctsdk.PutEventSelectorsInput{EventSelectors: []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(true)}}}

func configState(h *harness) string {
	st := h.acct.Config(testRegion).State()
	return jsonOf(st)
}

func loggingUndoCases() []undoCase {
	configBucket := "cisguard-config-" + testAccount + "-" + testRegion
	logBucket := "cisguard-access-logs-" + testAccount + "-" + testRegion
	trailBucket := "cisguard-cloudtrail-" + testAccount + "-us-east-1"
	main := trailARN(testRegion, "main")
	return []undoCase{
		{name: "selectors without write events, stopped", id: "3.1",
			seed: func(h *harness) (finding.Resource, func() any) {
				addTrail(h, testRegion, "main", func(tr *fake.Trail) {
					tr.Logging = false
					tr.Classic = []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeReadOnly, IncludeManagementEvents: aws.Bool(true),
						DataResources: []cttypes.DataResource{{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3:::site/"}}}}}
				})
				return accountResource(), func() any { return trailState(h, main) + " " + selectorState(h, main) }
			},
			meddle:  func(h *harness) { putSelectors(h, main, writeOnlySelector) },
			refused: "its event selectors are now",
			changed: func(h *harness) any { return selectorState(h, main) },
		},
		{name: "new trail into a bucket of the account without policy", id: "3.1",
			seed: func(h *harness) (finding.Resource, func() any) {
				h.acct.AddBucket(trailBucket, "us-east-1")
				return accountResource(), func() any { return h.acct.Bucket(trailBucket).Policy }
			},
			meddle: func(h *harness) {
				setBucketPolicy(h, trailBucket, `{"Version":"2012-10-17","Statement":[`+allowRead+`]}`)
			},
			refused: "its policy is not the one cisguard wrote",
		},
		{name: "trail bucket without Block Public Access", id: "3.3",
			seed: func(h *harness) (finding.Resource, func() any) {
				goodTrail(h)
				return bucketRes(trailBucketName), func() any { return h.acct.Bucket(trailBucketName).PublicAccessBlock }
			},
		},
		{name: "write events of all buckets", id: "3.10",
			seed: func(h *harness) (finding.Resource, func() any) {
				goodTrail(h)
				return accountResource(), func() any { return selectorState(h, main) }
			},
			meddle:  func(h *harness) { putSelectors(h, main, writeOnlySelector) },
			refused: "its event selectors are now",
		},
		{name: "read events, advanced selectors", id: "3.11",
			seed: func(h *harness) (finding.Resource, func() any) {
				addTrail(h, testRegion, "main", func(tr *fake.Trail) {
					tr.Advanced = []cttypes.AdvancedEventSelector{{Name: aws.String("Management events"), FieldSelectors: []cttypes.AdvancedFieldSelector{{Field: aws.String("eventCategory"), Equals: []string{"Management"}}}}}
				})
				return accountResource(), func() any { return selectorState(h, main) }
			},
		},
		{name: "existing delivery role without the policy", id: "3.4",
			seed: func(h *harness) (finding.Resource, func() any) {
				goodTrail(h)
				h.acct.AddRole(ctLogRole, ctTrust)
				return trailRes(testRegion, "main"), func() any { return trailState(h, main) + jsonOf(inlineState(h, ctLogRole)) }
			},
			meddle: func(h *harness) {
				if _, err := h.acct.IAM().PutRolePolicy(bg, &iamsdk.PutRolePolicyInput{RoleName: aws.String(ctLogRole), PolicyName: aws.String("CloudTrailWriteToawscloudtrailmain"),
					PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}`)}); err != nil {
					panic(err)
				}
			},
			refused: "is not the one cisguard wrote",
			changed: func(h *harness) any { return inlineState(h, ctLogRole) },
		},
		{name: "never set up", id: "3.5",
			seed: func(h *harness) (finding.Resource, func() any) {
				addConfigSLR(h)
				return accountResource(), func() any { return configState(h) }
			},
			meddle: func(h *harness) {
				st := h.acct.Config(testRegion).State()
				st.Recorder.RecordingGroup = &configtypes.RecordingGroup{ResourceTypes: []configtypes.ResourceType{"AWS::S3::Bucket"}}
				h.acct.Config(testRegion).SetState(st)
			},
			refused: "the recorder is now",
			changed: func(h *harness) any { return jsonOf(h.acct.Config(testRegion).State().Recorder) },
		},
		{name: "recorder of some types, not recording", id: "3.5",
			seed: func(h *harness) (finding.Resource, func() any) {
				addConfigSLR(h)
				h.acct.Config(testRegion).SetState(fake.ConfigState{
					Recorder: &configtypes.ConfigurationRecorder{Name: aws.String("main"), RoleARN: aws.String("arn:aws:iam::" + testAccount + ":role/" + configSLR),
						RecordingGroup: &configtypes.RecordingGroup{ResourceTypes: []configtypes.ResourceType{"AWS::EC2::Instance"}}},
					Channel: &configtypes.DeliveryChannel{Name: aws.String("main"), S3BucketName: aws.String("central-config")},
				})
				return accountResource(), func() any { return configState(h) }
			},
		},
		{name: "bucket of the account without policy", id: "3.5",
			seed: func(h *harness) (finding.Resource, func() any) {
				addConfigSLR(h)
				h.acct.AddBucket(configBucket, testRegion)
				return accountResource(), func() any { return configState(h) + h.acct.Bucket(configBucket).Policy }
			},
		},
		{name: "log bucket created", id: "3.6",
			seed: func(h *harness) (finding.Resource, func() any) {
				goodTrail(h)
				return bucketRes(trailBucketName), func() any { return jsonOf(h.acct.Bucket(trailBucketName).Logging) }
			},
			meddle: func(h *harness) {
				if _, err := h.acct.S3(testRegion).PutBucketLogging(bg, &s3sdk.PutBucketLoggingInput{Bucket: aws.String(trailBucketName), ExpectedBucketOwner: aws.String(testAccount),
					BucketLoggingStatus: &s3types.BucketLoggingStatus{LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String(logBucket), TargetPrefix: aws.String("elsewhere/")}}}); err != nil {
					panic(err)
				}
			},
			refused: "its access logging is now",
		},
		{name: "log bucket of the account without policy", id: "3.6",
			seed: func(h *harness) (finding.Resource, func() any) {
				goodTrail(h)
				h.acct.AddBucket(logBucket, testRegion)
				return bucketRes(trailBucketName), func() any {
					return jsonOf(h.acct.Bucket(trailBucketName).Logging) + h.acct.Bucket(logBucket).Policy
				}
			},
		},
		{name: "new key", id: "3.7",
			seed: func(h *harness) (finding.Resource, func() any) {
				goodTrail(h)
				return accountResource(), func() any { return trailState(h, main) }
			},
		},
		{name: "key cisguard made, without CloudTrail's statements", id: "3.7",
			seed: func(h *harness) (finding.Resource, func() any) {
				goodTrail(h)
				key := h.acct.KMS(testRegion).AddKey(fake.Key{Tags: map[string]string{"cisguard:managed": "true"}, Aliases: []string{"alias/CIS_CloudTrail_Encryption_Key"}})
				return accountResource(), func() any { return trailState(h, main) + h.acct.KMS(testRegion).Key(key).Policy }
			},
			meddle: func(h *harness) {
				// Another trail encrypts with the key meanwhile: its
				// statements stay.
				key := h.acct.KMS(testRegion).Keys()[0].ARN
				addTrail(h, testRegion, "other", func(tr *fake.Trail) { tr.KmsKeyId = aws.String(key) })
			},
			refused: "trail " + trailARN(testRegion, "other") + " encrypt(s) its log files",
			changed: func(h *harness) any { return h.acct.KMS(testRegion).Keys()[0].Policy },
		},
		{name: "key without rotation", id: "3.8",
			seed: func(h *harness) (finding.Resource, func() any) {
				key := h.acct.KMS(testRegion).AddKey(fake.Key{Description: "app"})
				return keyRes(testRegion, key), func() any { return h.acct.KMS(testRegion).Key(key).Rotation }
			},
			meddle: func(h *harness) {
				h.acct.KMS(testRegion).SetKeyState(h.acct.KMS(testRegion).Keys()[0].ARN, kmstypes.KeyStateDisabled)
			},
			refused: "the key is Disabled",
		},
		{name: "VPC without flow log", id: "3.9",
			seed: func(h *harness) (finding.Resource, func() any) {
				vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
				return vpcRes(vpc), func() any { return jsonOf(orNil(h.acct.EC2(testRegion).FlowLogs())) }
			},
			meddle: func(h *harness) {
				// Someone takes the flow log over: it is no longer tagged as cisguard's.
				h.acct.EC2(testRegion).SetFlowLogTags(aws.ToString(h.acct.EC2(testRegion).FlowLogs()[0].FlowLogId), []ec2types.Tag{{Key: aws.String("team"), Value: aws.String("net")}})
			},
			refused: "is not the one cisguard created",
		},
		{name: "VPC without flow log, role of the account", id: "3.9",
			seed: func(h *harness) (finding.Resource, func() any) {
				vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
				h.acct.AddRole("cisguard-vpc-flow-logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
				return vpcRes(vpc), func() any { return jsonOf(orNil(h.acct.EC2(testRegion).FlowLogs())) }
			},
		},
	}
}

// orNil is nil for an empty list: a list emptied by a revert is the
// list that was never filled.
func orNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Section 4.

const alarmTopic = "cisguard-cis-alarms"

// monitoringState is what a section 4 fix changes: the trail's log
// delivery, the delivery role's policies, the group's filters, the
// check's alarm, and the alarm topic's subscriptions and queue statement
// (the topic itself and the log group are kept).
func monitoringState(h *harness, id string) any {
	m := checkOf(h.t.(*testing.T), id)
	var filters []string
	if g := h.acct.Logs(testRegion).LogGroup("/aws/cloudtrail/main"); g != nil {
		for _, f := range g.Filters {
			filters = append(filters, aws.ToString(f.FilterName)+" "+aws.ToString(f.FilterPattern))
		}
	}
	var subs []string
	for _, s := range h.acct.SNS(testRegion).Subscriptions(topicARN(testRegion, alarmTopic)) {
		subs = append(subs, aws.ToString(s.Protocol)+":"+aws.ToString(s.Endpoint))
	}
	return jsonOf(map[string]any{
		"trail": trailState(h, trailARN(testRegion, "main")), "inline": inlineState(h, ctLogRole), "filters": filters,
		"alarm": alarmOf(h.acct.CloudWatch(testRegion).Alarm(m.alarm())), "subscriptions": subs,
		"statement": strings.Contains(h.acct.SNS(testRegion).TopicPolicy(topicARN(testRegion, alarmTopic)), alarmQueueSid),
	})
}

func monitoringUndoCases() []undoCase {
	var out []undoCase
	for _, id := range monitoringIDs {
		out = append(out, undoCase{name: "from a trail without log group", id: id, org: true,
			seed: func(h *harness) (finding.Resource, func() any) {
				goodTrail(h)
				h.acct.AddRole(ctLogRole, ctTrust)
				return accountResource(), func() any { return monitoringState(h, id) }
			},
			meddle: func(h *harness) {
				// Someone adds an action to the alarm: it stays, and so do
				// the topic's subscription and statement, which it needs.
				a := h.acct.CloudWatch(testRegion).Alarm(checkOf(h.t.(*testing.T), id).alarm())
				in := alarmOf(a).input()
				in.OKActions = []string{topicARN(testRegion, alarmTopic)}
				if _, err := h.acct.CloudWatch(testRegion).PutMetricAlarm(bg, in); err != nil {
					panic(err)
				}
			},
			refused: "the alarm is now",
			changed: func(h *harness) any {
				m := checkOf(h.t.(*testing.T), id)
				return jsonOf([]any{alarmOf(h.acct.CloudWatch(testRegion).Alarm(m.alarm())), h.acct.SNS(testRegion).Subscriptions(topicARN(testRegion, alarmTopic)),
					h.acct.SNS(testRegion).TopicPolicy(topicARN(testRegion, alarmTopic))})
			},
		})
	}
	m := checkOf(nil, "4.4")
	return append(out,
		undoCase{name: "alarm and filter of cisguard's names replaced", id: "4.4", org: true,
			seed: func(h *harness) (finding.Resource, func() any) {
				loggedTrail(h, testRegion)
				h.acct.Logs(testRegion).AddLogGroup(watchedGroup)
				if _, err := h.acct.Logs(testRegion).PutMetricFilter(bg, &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String(watchedGroup), FilterName: aws.String(m.metric),
					FilterPattern: aws.String(`{ $.eventName = PutRolePolicy }`), MetricTransformations: []cwltypes.MetricTransformation{{MetricName: aws.String(m.metric), MetricNamespace: aws.String("CISBenchmark"), MetricValue: aws.String("1")}}}); err != nil {
					panic(err)
				}
				h.acct.CloudWatch(testRegion).AddAlarm(cwtypes.MetricAlarm{AlarmName: aws.String(m.alarm()), MetricName: aws.String(m.metric), Namespace: aws.String("CISBenchmark"),
					Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3), Threshold: aws.Float64(2), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
					AlarmActions: []string{"arn:aws:sns:" + testRegion + ":" + testAccount + ":nobody"}, OKActions: []string{"arn:aws:sns:" + testRegion + ":" + testAccount + ":ok"}, ActionsEnabled: aws.Bool(false),
					Dimensions: []cwtypes.Dimension{{Name: aws.String("Team"), Value: aws.String("sec")}}})
				return accountResource(), func() any {
					return jsonOf([]any{orNil(h.acct.Logs(testRegion).LogGroup(watchedGroup).Filters), alarmOf(h.acct.CloudWatch(testRegion).Alarm(m.alarm()))})
				}
			},
		},
		undoCase{name: "email subscription awaiting confirmation", id: "4.4", settings: "endpoint: secops@example.com",
			seed: func(h *harness) (finding.Resource, func() any) {
				loggedTrail(h, testRegion)
				return accountResource(), func() any {
					return jsonOf([]any{orNil(h.acct.Logs(testRegion).LogGroup(watchedGroup).Filters), alarmOf(h.acct.CloudWatch(testRegion).Alarm(m.alarm()))})
				}
			},
		},
	)
}

// A revert keeps what it keeps by design, and says why.
func TestRevertKeepsWhatCisguardCreated(t *testing.T) {
	tests := []struct {
		id, settings string
		seed         func(h *harness) finding.Resource
		kept         []string
	}{
		{id: "3.1", seed: func(h *harness) finding.Resource { return accountResource() },
			kept: []string{"s3:bucket-tagging cisguard-cloudtrail-" + testAccount + "-us-east-1 is kept: part of the bucket", "s3:bucket-logging cisguard-cloudtrail-" + testAccount + "-us-east-1 is kept",
				"s3:bucket-policy cisguard-access-logs-" + testAccount + "-us-east-1 is kept", "s3:bucket-public-access-block cisguard-cloudtrail-" + testAccount + "-us-east-1 is kept"}},
		{id: "3.4", seed: func(h *harness) finding.Resource { goodTrail(h); return trailRes(testRegion, "main") },
			kept: []string{"logs:retention /aws/cloudtrail/main is kept: part of the log group /aws/cloudtrail/main that cisguard created", "iam:role-inline-policy " + ctLogRole + " is kept: part of the IAM role"}},
		{id: "3.7", seed: func(h *harness) finding.Resource { goodTrail(h); return accountResource() },
			kept: []string{"kms:alias alias/CIS_CloudTrail_Encryption_Key is kept: names the KMS key cisguard created", "aws kms delete-alias", "kms:key-rotation alias/CIS_CloudTrail_Encryption_Key is kept"}},
		{id: "3.9", seed: func(h *harness) finding.Resource {
			vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
			h.acct.AddRole("cisguard-vpc-flow-logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
			return vpcRes(vpc)
		}, kept: []string{"iam:role-inline-policy cisguard-vpc-flow-logs is kept: every flow log of the account that delivers to log group /cisguard/vpc-flow-logs", "logs:retention /cisguard/vpc-flow-logs is kept"}},
		{id: "4.3", seed: func(h *harness) finding.Resource { loggedTrail(h, testRegion); return accountResource() },
			kept: []string{"sns:topic " + topicARN(testRegion, alarmTopic) + " is kept: every section 4 alarm of the account in this region notifies it"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			h, _ := newOrgHarness(t)
			h.acct.AddPolicy("cisguard-role-boundary", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}`)
			res := tt.seed(h)
			rs := h.applyRecorded(tt.id, res, tt.settings)
			plans, errs := h.revert(tt.id, res, rs)
			var kept []string
			for i, p := range plans {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				for _, r := range p.Residuals {
					if !r.Accepted {
						t.Errorf("left: %s", r.Reason)
					}
					kept = append(kept, r.Reason)
				}
			}
			containsAll(t, kept, tt.kept...)
		})
	}
}

// Section 4's topic serves every alarm: reverting one finding's alarm
// keeps the subscription and the statement while another alarm notifies
// the topic; reverting that one's result, then the first again, removes
// them.
func TestRevertKeepsTopicSubscribersOfOtherAlarms(t *testing.T) {
	h, _ := newOrgHarness(t)
	loggedTrail(h, testRegion)
	first := h.applyRecorded("4.3", accountResource(), "")
	second := h.applyRecorded("4.4", accountResource(), "")
	topic := topicARN(testRegion, alarmTopic)
	plans, _ := h.revert("4.3", accountResource(), first)
	var kept []string
	for _, p := range plans {
		for _, r := range p.Residuals {
			kept = append(kept, r.Reason)
		}
	}
	containsAll(t, kept, "sns:subscription of "+topic+" is kept: alarm(s) CIS-4.4-IAMPolicyChanges still notify the topic", "sns:topic-policy-statement of "+topic+" is kept")
	if h.acct.CloudWatch(testRegion).Alarm("CIS-4.3-RootAccountUsage") != nil || len(h.acct.SNS(testRegion).Subscriptions(topic)) != 1 {
		t.Fatalf("after the first revert: alarm %v, subscriptions %v", h.acct.CloudWatch(testRegion).Alarm("CIS-4.3-RootAccountUsage"), h.acct.SNS(testRegion).Subscriptions(topic))
	}
	h.revert("4.4", accountResource(), second)
	if len(h.acct.SNS(testRegion).Subscriptions(topic)) != 1 {
		t.Fatal("4.4's result recorded no subscription, yet it changed")
	}
	plans, errs := h.revert("4.3", accountResource(), first)
	for i, err := range errs {
		if err != nil || left(plans) != "" {
			t.Fatalf("revert %d: %v %s", i, err, left(plans))
		}
	}
	if s := h.acct.SNS(testRegion).Subscriptions(topic); len(s) != 0 || strings.Contains(h.acct.SNS(testRegion).TopicPolicy(topic), alarmQueueSid) {
		t.Errorf("subscriptions %v, policy %s", s, h.acct.SNS(testRegion).TopicPolicy(topic))
	}
}

// A dry run reads what newer records restore as restored: the
// subscription of an alarm the same revert deletes is not kept for it.
func TestRevertDryRunCountsNewerRestores(t *testing.T) {
	h, _ := newOrgHarness(t)
	loggedTrail(h, testRegion)
	rs := h.applyRecorded("4.3", accountResource(), "")
	c, tg := h.target("4.3", accountResource(), "")
	ctx := h.readCtx(c)
	var done []*plan.Prior
	for _, r := range plan.Records(rs) {
		q, err := Undo(Restoring(ctx, done), tg, r.Prior)
		if err != nil {
			t.Fatal(err)
		}
		if l := left([]*plan.Plan{q}); l != "" || r.Prior.Kind == kindSubscription && q.Empty() {
			t.Errorf("%s: dry run plans\n%s", r.Prior.Kind, q)
		}
		if !q.Empty() {
			done = append(done, r.Prior)
		}
	}
	// Without the newer restores, the alarm still notifies the topic.
	for _, r := range plan.Records(rs) {
		if r.Prior.Kind == kindSubscription {
			q, _ := Undo(ctx, tg, r.Prior)
			if q.State() != plan.Excepted {
				t.Errorf("subscription while the alarm exists:\n%s", q)
			}
		}
	}
}

// The delivery role's policy stays while another trail delivers through
// it; the key's statements while another trail encrypts with it (above).
func TestRevertLeavesInlinePolicyInUse(t *testing.T) {
	h := newHarness(t)
	arn := goodTrail(h)
	h.acct.AddRole(ctLogRole, ctTrust)
	rs := h.applyRecorded("3.4", trailRes(testRegion, "main"), "")
	tr := trailOf(h, arn)
	addTrail(h, testRegion, "other", func(x *fake.Trail) {
		x.CloudWatchLogsLogGroupArn, x.CloudWatchLogsRoleArn = tr.CloudWatchLogsLogGroupArn, tr.CloudWatchLogsRoleArn
	})
	plans, _ := h.revert("3.4", trailRes(testRegion, "main"), rs)
	if l := left(plans); !strings.Contains(l, "trail "+trailARN(testRegion, "other")+" still deliver(s) to log group /aws/cloudtrail/main through role "+ctLogRole) {
		t.Errorf("left %q", l)
	}
	if len(inlineState(h, ctLogRole)) != 1 {
		t.Errorf("policy removed: %v", inlineState(h, ctLogRole))
	}
	if tr := trailOf(h, arn); tr.CloudWatchLogsLogGroupArn != nil {
		t.Errorf("trail main still delivers: %v", aws.ToString(tr.CloudWatchLogsLogGroupArn))
	}
}

// AWS Config keeps the channel of a recorder that records: a revert whose
// recording record was refused leaves the channel, saying why.
func TestRevertKeepsChannelOfRecordingRecorder(t *testing.T) {
	h := newHarness(t)
	addConfigSLR(h)
	rs := h.applyRecorded("3.5", accountResource(), "")
	var keep []plan.Result
	for _, r := range rs {
		if r.Prior == nil || r.Prior.Kind != kindConfigRecording {
			keep = append(keep, r)
		}
	}
	plans, _ := h.revert("3.5", accountResource(), keep)
	if l := left(plans); !strings.Contains(l, "AWS Config keeps the delivery channel of a recorder that records") {
		t.Errorf("left %q", l)
	}
	if st := h.acct.Config(testRegion).State(); st.Channel == nil {
		t.Errorf("state %+v", st)
	}
}

// A flow log cisguard found made meanwhile records that it changed
// nothing: a revert deletes nothing.
func TestRevertOfFlowLogMadeMeanwhile(t *testing.T) {
	h := newHarness(t)
	vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
	c, tg := h.target("3.9", vpcRes(vpc), "")
	p, err := h.plan(c, tg)
	if err != nil {
		t.Fatal(err)
	}
	h.remediate("3.9", vpcRes(vpc), "")
	o := plan.Apply(h.ctx(c), p)
	h.recorded("3.9", o)
	last := o.Results[len(o.Results)-1]
	if !last.Done || last.Prior.Kind != plan.Unchanged {
		t.Fatalf("last action %+v", last)
	}
	q, err := Undo(h.ctx(c), tg, last.Prior)
	if err != nil || !q.Empty() || len(q.Residuals) > 0 {
		t.Errorf("revert %v %s", err, q)
	}
	if n := len(h.acct.EC2(testRegion).FlowLogs()); n != 1 {
		t.Errorf("%d flow logs", n)
	}
}

// The alarm of a check and its metric filter come back with every field
// the revert recorded, and what CloudWatch Logs and CloudWatch took: a
// check on the records' round trip through their inputs.
func TestAlarmAndFilterRecordsRoundTrip(t *testing.T) {
	a := &cwtypes.MetricAlarm{AlarmName: aws.String("x"), AlarmDescription: aws.String("d"), ActionsEnabled: aws.Bool(false), AlarmActions: []string{"a"}, OKActions: []string{"o"},
		InsufficientDataActions: []string{"i"}, MetricName: aws.String("m"), Namespace: aws.String("n"), ExtendedStatistic: aws.String("p99"), Period: aws.Int32(60),
		Unit: cwtypes.StandardUnitCount, EvaluationPeriods: aws.Int32(3), DatapointsToAlarm: aws.Int32(2), Threshold: aws.Float64(1.5),
		ComparisonOperator: cwtypes.ComparisonOperatorLessThanThreshold, TreatMissingData: aws.String("breaching"), EvaluateLowSampleCountPercentile: aws.String("ignore"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("B"), Value: aws.String("2")}, {Name: aws.String("A"), Value: aws.String("1")}}}
	if got, want := jsonOf(alarmOfInput(alarmOf(a).input())), jsonOf(alarmOf(a)); got != want {
		t.Errorf("alarm\n%s\nwant\n%s", got, want)
	}
	f := &cwltypes.MetricFilter{FilterName: aws.String("f"), FilterPattern: aws.String("{ $.x = 1 }"), MetricTransformations: []cwltypes.MetricTransformation{{MetricName: aws.String("m"),
		MetricNamespace: aws.String("n"), MetricValue: aws.String("$.v"), DefaultValue: aws.Float64(0), Unit: cwltypes.StandardUnitSeconds, Dimensions: map[string]string{"k": "$.k"}}}}
	in := filterOf(f).input("g")
	if got := filterOf(&cwltypes.MetricFilter{FilterName: in.FilterName, FilterPattern: in.FilterPattern, MetricTransformations: in.MetricTransformations}); jsonOf(got) != jsonOf(filterOf(f)) {
		t.Errorf("filter %s", jsonOf(got))
	}
}

// Every automatic fix is in the revert table (or kept by design, tested
// on its own), and says in docs/controls.md what a revert does.
func TestEveryFixIsReverted(t *testing.T) {
	// Kept by design or lost: tested on their own.
	covered := map[string]bool{"2.1.1": true /* TestBucketEncryptionIsKept */, "1.19": true /* TestRevertOfDeletedCertificate */}
	for _, c := range undoCases() {
		covered[c.id] = true
	}
	for _, c := range All() {
		if c.Plan == nil {
			continue
		}
		if !covered[c.ID] {
			t.Errorf("%s: no case in the revert table (undoCases)", c.ID)
		}
		if d := RevertDoc(c); d == "" || strings.HasPrefix(d, "not recorded yet") {
			t.Errorf("%s: RevertDoc says %q", c.ID, d)
		}
	}
}
