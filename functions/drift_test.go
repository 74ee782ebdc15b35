package functions_test

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"maps"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/config/authorize"
	"github.com/tarjeta-dev/tarjeta/config/reconcile"
	"github.com/tarjeta-dev/tarjeta/config/verify"
	"github.com/tarjeta-dev/tarjeta/config/webhooks"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/dynamo/verifytable"
	"github.com/tarjeta-dev/tarjeta/httpapi"
	"github.com/tarjeta-dev/tarjeta/metrics"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// code is what a function's code serves and reads, as its Lambda builds it.
type code struct {
	fn       serve.Function
	settings []string        // every variable its configuration reads
	secrets  []config.Secret // the settings that come from Secrets Manager in AWS
	// streamed are the providers whose new events its stream handler takes.
	streamed []string
}

// localOnly are the settings the code reads that a deployment never sets,
// and why.
var localOnly = map[string]string{
	"TABLE_NAME":  "the ledger table's older name, read when LEDGER_TABLE_NAME is unset",
	"S3_ENDPOINT": "the local stack's S3-compatible server; in AWS the SDK's own AWS_ENDPOINT_URL_S3 would do",
	// Set by Lambda itself.
	"AWS_LAMBDA_FUNCTION_NAME": "Lambda's",
}

// tableStores are the variables that name a table, and the layout the
// store that owns the table creates it with.
var tableStores = map[string]func(context.Context, dynamo.TableAPI, string) error{
	"LEDGER_TABLE_NAME":        ledgertable.Create,
	"WEBHOOKS_TABLE_NAME":      eventtable.Create,
	"VERIFICATIONS_TABLE_NAME": verifytable.Create,
}

// buildCode builds each function exactly as its Lambda does, from the
// environment (the names of its resources only; nothing is called).
func buildCode(t *testing.T) map[string]code {
	for _, k := range []string{"LEDGER_TABLE_NAME", "WEBHOOKS_TABLE_NAME", "VERIFICATIONS_TABLE_NAME", "SETTLEMENT_BUCKET", "AWS_LAMBDA_FUNCTION_NAME"} {
		t.Setenv(k, "drift")
	}
	env := serve.Env{
		// Nothing listens there: the warm-ups fail at once.
		AWS: aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
			BaseEndpoint: aws.String("http://127.0.0.1:1"), RetryMaxAttempts: 1},
		Log: slog.New(slog.DiscardHandler), Name: "drift",
	}
	build := func(lambda func(context.Context, serve.Env) (serve.Function, error)) serve.Function {
		f, err := lambda(context.Background(), env)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	var wc webhooks.Config
	if err := config.Process(context.Background(), &wc); err != nil {
		t.Fatal(err)
	}
	routes, err := wc.Routes(context.Background(), webhooks.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, r := range routes {
		if r.Keep != nil && !slices.Contains(kept, r.Provider) {
			kept = append(kept, r.Provider)
		}
	}
	var vc verify.Config
	var ac authorize.Config
	return map[string]code{
		"authorize": {fn: build(authorize.Lambda), settings: settingsOf(authorize.Config{}), secrets: []config.Secret{ac.Pomelo.Secret()}},
		"webhooks":  {fn: build(webhooks.Lambda), settings: settingsOf(webhooks.Config{}), secrets: wc.Secrets(), streamed: kept},
		"verify":    {fn: build(verify.Lambda), settings: settingsOf(verify.Config{}), secrets: vc.Secrets(), streamed: verify.Providers},
		"reconcile": {fn: build(reconcile.Lambda), settings: append(settingsOf(reconcile.Config{}), "AWS_LAMBDA_FUNCTION_NAME")},
	}
}

// settingsOf are the variables a configuration struct reads (its env tags,
// embedded structs' included).
func settingsOf(v any) []string {
	var out []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if tag, ok := f.Tag.Lookup("env"); ok {
				name, _, _ := strings.Cut(tag, ",")
				out = append(out, strings.TrimSpace(name))
			} else if f.Type.Kind() == reflect.Struct {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeOf(v))
	return out
}

// TestTemplateRoutes: the routes API Gateway sends each function are the
// routes its code serves, no more and no less, and every route the code
// calls internal is IAM-authorized while Pomelo's and the providers' are
// open to them.
func TestTemplateRoutes(t *testing.T) {
	tp, codes := loadTemplate(t), buildCode(t)
	if api := tp.Resources["HttpApi"]["Properties"].(map[string]any)["Auth"].(map[string]any); api["EnableIamAuthorizer"] != true {
		t.Errorf("HttpApi has no IAM authorizer")
	}
	for name, f := range tp.functions(t) {
		served := httpapi.RoutesOf(codes[name].fn.HTTP)
		if len(served) == 0 {
			t.Errorf("%s serves no route", name)
		}
		routed := f.events("HttpApi")
		for _, r := range served {
			method, path, _ := strings.Cut(r.Pattern, " ")
			found := false
			for ev, p := range routed {
				if p["Method"] != method || !pathMatches(p["Path"].(string), path) {
					continue
				}
				found = true
				auth, _ := p["Auth"].(map[string]any)
				if iam := auth["Authorizer"] == "AWS_IAM"; iam == r.Public {
					t.Errorf("%s %s: the code has it public=%v, the template's %s authorizer %v", name, r.Pattern, r.Public, ev, auth["Authorizer"])
				}
			}
			if !found {
				t.Errorf("%s serves %s, which template.yaml does not route to it", name, r.Pattern)
			}
		}
		for ev, p := range routed {
			if refs(p["ApiId"])[0] != "HttpApi" {
				t.Errorf("%s %s is not on HttpApi", f.id, ev)
			}
			if !slices.ContainsFunc(served, func(r httpapi.Route) bool {
				method, path, _ := strings.Cut(r.Pattern, " ")
				return p["Method"] == method && pathMatches(p["Path"].(string), path)
			}) {
				t.Errorf("template.yaml routes %s %s to %s, which serves no such route", p["Method"], p["Path"], name)
			}
		}
	}
}

// pathMatches reports whether API Gateway's route path (with {params})
// takes the code's path (with ServeMux's {wildcards}).
func pathMatches(route, path string) bool {
	rs, ps := strings.Split(route, "/"), strings.Split(path, "/")
	if len(rs) != len(ps) {
		return false
	}
	for i := range rs {
		if rs[i] != ps[i] && !strings.HasPrefix(rs[i], "{") {
			return false
		}
	}
	return true
}

// TestTemplateSettings: each function's environment in template.yaml is
// the settings its code reads: every one set, none the code does not read,
// the secrets only by the ARN of their Secrets Manager secret.
func TestTemplateSettings(t *testing.T) {
	tp, codes := loadTemplate(t), buildCode(t)
	for name, f := range tp.functions(t) {
		c, env := codes[name], f.env()
		secret := make(map[string]bool)
		for _, s := range c.secrets {
			secret[s.Name] = true
			if _, ok := env[s.ARNName]; !ok {
				t.Errorf("%s: template.yaml does not set %s, whose secret holds %s", name, s.ARNName, s.Name)
			}
		}
		for _, s := range c.settings {
			_, set := env[s]
			switch {
			case secret[s] && set:
				t.Errorf("%s: template.yaml sets the secret %s; it must come from Secrets Manager", name, s)
			case !set && !secret[s] && localOnly[s] == "":
				t.Errorf("%s reads %s, which template.yaml does not set", name, s)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(env)) {
			if !slices.Contains(c.settings, k) {
				t.Errorf("template.yaml sets %s on %s, which does not read it", k, name)
			}
		}
	}
}

// tableSpy records the table a store's Create would make.
type tableSpy struct {
	in  *dynamodb.CreateTableInput
	ttl string
}

func (s *tableSpy) CreateTable(_ context.Context, in *dynamodb.CreateTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	s.in = in
	return &dynamodb.CreateTableOutput{}, nil
}

func (s *tableSpy) UpdateTimeToLive(_ context.Context, in *dynamodb.UpdateTimeToLiveInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error) {
	s.ttl = aws.ToString(in.TimeToLiveSpecification.AttributeName)
	return &dynamodb.UpdateTimeToLiveOutput{}, nil
}

// TestTemplateTables: every table in template.yaml is the layout its store
// creates (keys, attributes, indexes and their projections, stream, TTL),
// each named to the functions by the variable its store is read by, and
// every store's table is in the template; every table is protected.
func TestTemplateTables(t *testing.T) {
	tp := loadTemplate(t)
	byTable := make(map[string]string) // logical id → variable
	for _, f := range tp.functions(t) {
		for k, v := range f.env() {
			if _, ok := tableStores[k]; ok {
				byTable[refs(v)[0]] = k
			}
		}
	}
	for _, variable := range slices.Sorted(maps.Keys(tableStores)) {
		if !slices.Contains(slices.Collect(maps.Values(byTable)), variable) {
			t.Errorf("no function is given %s in template.yaml", variable)
		}
	}
	for id, r := range tp.Resources {
		if r["Type"] != "AWS::DynamoDB::Table" {
			continue
		}
		variable, ok := byTable[id]
		if !ok {
			t.Errorf("%s is named to no function by a store's variable", id)
			continue
		}
		spy := &tableSpy{}
		if err := tableStores[variable](context.Background(), spy, "drift"); err != nil {
			t.Fatal(err)
		}
		p := r["Properties"].(map[string]any)
		if got, want := templateTable(p), codeTable(spy); got != want {
			t.Errorf("%s (%s) differs from its store's layout:\ntemplate: %s\ncode:     %s", id, variable, got, want)
		}
		if r["DeletionPolicy"] != "Retain" || p["DeletionProtectionEnabled"] != true ||
			p["PointInTimeRecoverySpecification"].(map[string]any)["PointInTimeRecoveryEnabled"] != true ||
			p["SSESpecification"].(map[string]any)["SSEEnabled"] != true {
			t.Errorf("%s lacks retention, deletion protection, point-in-time recovery or encryption", id)
		}
	}
}

// templateTable and codeTable describe a table the same way: keys,
// attributes, indexes, stream and TTL, sorted.
func templateTable(p map[string]any) string {
	var d tableDesc
	d.Billing = p["BillingMode"].(string)
	for _, a := range p["AttributeDefinitions"].([]any) {
		a := a.(map[string]any)
		d.Attributes = append(d.Attributes, a["AttributeName"].(string)+":"+a["AttributeType"].(string))
	}
	d.Keys = keySchema(p["KeySchema"].([]any))
	for _, ix := range p["GlobalSecondaryIndexes"].([]any) {
		ix := ix.(map[string]any)
		proj := ix["Projection"].(map[string]any)
		desc := ix["IndexName"].(string) + " " + strings.Join(keySchema(ix["KeySchema"].([]any)), ",") + " " + proj["ProjectionType"].(string)
		if nk, ok := proj["NonKeyAttributes"].([]any); ok {
			var names []string
			for _, n := range nk {
				names = append(names, n.(string))
			}
			sort.Strings(names)
			desc += " " + strings.Join(names, ",")
		}
		d.Indexes = append(d.Indexes, desc)
	}
	if s, ok := p["StreamSpecification"].(map[string]any); ok {
		d.Stream = s["StreamViewType"].(string)
	}
	if ttl, ok := p["TimeToLiveSpecification"].(map[string]any); ok && ttl["Enabled"] == true {
		d.TTL = ttl["AttributeName"].(string)
	}
	return d.String()
}

func codeTable(s *tableSpy) string {
	var d tableDesc
	d.Billing = string(s.in.BillingMode)
	for _, a := range s.in.AttributeDefinitions {
		d.Attributes = append(d.Attributes, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	for _, k := range s.in.KeySchema {
		d.Keys = append(d.Keys, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
	}
	for _, ix := range s.in.GlobalSecondaryIndexes {
		var ks []string
		for _, k := range ix.KeySchema {
			ks = append(ks, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
		}
		desc := aws.ToString(ix.IndexName) + " " + strings.Join(ks, ",") + " " + string(ix.Projection.ProjectionType)
		if len(ix.Projection.NonKeyAttributes) > 0 {
			names := slices.Clone(ix.Projection.NonKeyAttributes)
			sort.Strings(names)
			desc += " " + strings.Join(names, ",")
		}
		d.Indexes = append(d.Indexes, desc)
	}
	if s.in.StreamSpecification != nil && aws.ToBool(s.in.StreamSpecification.StreamEnabled) {
		d.Stream = string(s.in.StreamSpecification.StreamViewType)
	}
	d.TTL = s.ttl
	return d.String()
}

func keySchema(l []any) []string {
	var out []string
	for _, k := range l {
		k := k.(map[string]any)
		out = append(out, k["AttributeName"].(string)+":"+k["KeyType"].(string))
	}
	return out
}

type tableDesc struct {
	Billing    string
	Attributes []string
	Keys       []string
	Indexes    []string
	Stream     string
	TTL        string
}

func (d tableDesc) String() string {
	sort.Strings(d.Attributes)
	sort.Strings(d.Indexes)
	b, _ := json.Marshal(d)
	return string(b)
}

// TestTemplateStreamsAndSchedules: a function has a stream source exactly
// when its code handles stream records, filtered to the providers it
// takes, reporting batch item failures, with a dead-letter destination;
// a schedule exactly when its code takes scheduled or direct invocations,
// each with a dead-letter queue, as every function invoked asynchronously
// has.
func TestTemplateStreamsAndSchedules(t *testing.T) {
	tp, codes := loadTemplate(t), buildCode(t)
	for name, f := range tp.functions(t) {
		c := codes[name]
		streams := f.events("DynamoDB")
		if (c.fn.Stream != nil) != (len(streams) > 0) {
			t.Errorf("%s: the code handles stream records: %v; template.yaml has %d stream sources", name, c.fn.Stream != nil, len(streams))
		}
		for ev, p := range streams {
			table := refs(p["Stream"])[0]
			if _, ok := tp.Resources[table]["Properties"].(map[string]any)["StreamSpecification"]; !ok {
				t.Errorf("%s %s reads the stream of %s, which has none", f.id, ev, table)
			}
			dest, _ := p["DestinationConfig"].(map[string]any)
			if onFailure, _ := dest["OnFailure"].(map[string]any); onFailure["Destination"] == nil {
				t.Errorf("%s %s has no dead-letter destination", f.id, ev)
			}
			if !reflect.DeepEqual(p["FunctionResponseTypes"], []any{"ReportBatchItemFailures"}) {
				t.Errorf("%s %s does not take the dispatcher's batch item failures", f.id, ev)
			}
			var pattern struct {
				Dynamodb struct {
					NewImage struct{ Provider struct{ S []string } }
				}
			}
			filters := p["FilterCriteria"].(map[string]any)["Filters"].([]any)
			if err := json.Unmarshal([]byte(filters[0].(map[string]any)["Pattern"].(string)), &pattern); err != nil {
				t.Fatal(err)
			}
			got, want := slices.Sorted(slices.Values(pattern.Dynamodb.NewImage.Provider.S)), slices.Sorted(slices.Values(c.streamed))
			if !slices.Equal(got, want) {
				t.Errorf("%s %s takes the events of %v; the code processes %v's", f.id, ev, got, want)
			}
		}
		rules, scheduler := f.events("Schedule"), f.events("ScheduleV2")
		if len(rules) > 0 && c.fn.Schedule == nil {
			t.Errorf("%s has an EventBridge rule; its code takes no scheduled event", name)
		}
		if len(scheduler) > 0 && c.fn.Invoke == nil {
			t.Errorf("%s has an EventBridge Scheduler schedule; its code takes no direct invocation", name)
		}
		if (c.fn.Schedule != nil || c.fn.Invoke != nil) && len(rules)+len(scheduler) == 0 {
			t.Errorf("%s takes scheduled or direct invocations; template.yaml schedules none", name)
		}
		for ev, p := range mergeEvents(rules, scheduler) {
			if dl, _ := p["DeadLetterConfig"].(map[string]any); dl["Arn"] == nil {
				t.Errorf("%s %s has no dead-letter queue", f.id, ev)
			}
		}
		if len(rules)+len(scheduler) > 0 || c.fn.Invoke != nil {
			if dl, _ := f.props["DeadLetterQueue"].(map[string]any); dl["TargetArn"] == nil {
				t.Errorf("%s is invoked asynchronously and has no dead-letter queue", f.id)
			}
		}
	}
}

func mergeEvents(ms ...map[string]map[string]any) map[string]map[string]any {
	out := make(map[string]map[string]any)
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// operations map the AWS SDK calls found in the code to the IAM actions
// they need; a TransactWriteItems needs its items' actions, found apart.
// HeadObject needs s3:ListBucket too, or S3 answers a missing object 403
// rather than 404.
var operations = map[string][]string{
	"GetItem": {"dynamodb:GetItem"}, "PutItem": {"dynamodb:PutItem"}, "UpdateItem": {"dynamodb:UpdateItem"}, "DeleteItem": {"dynamodb:DeleteItem"},
	"Query": {"dynamodb:Query"}, "Scan": {"dynamodb:Scan"}, "BatchGetItem": {"dynamodb:BatchGetItem"}, "BatchWriteItem": {"dynamodb:BatchWriteItem"},
	"GetObject": {"s3:GetObject"}, "HeadObject": {"s3:GetObject", "s3:ListBucket"}, "PutObject": {"s3:PutObject"}, "ListObjectsV2": {"s3:ListBucket"},
	"CreateMultipartUpload": {"s3:PutObject"}, "UploadPart": {"s3:PutObject"}, "CompleteMultipartUpload": {"s3:PutObject"},
	"AbortMultipartUpload": {"s3:AbortMultipartUpload"},
	"Invoke":               {"lambda:InvokeFunction"}, "GetSecretValue": {"secretsmanager:GetSecretValue"},
}

// transactItems map the types of a TransactWriteItem's items to their
// actions.
var transactItems = map[string]string{"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem", "ConditionCheck": "dynamodb:ConditionCheckItem"}

// possible are the IAM actions the code linked into a function can need:
// the AWS SDK operations its packages call. A call found is a call that
// may happen; one not found cannot.
func possible(t *testing.T, function string) []string {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}} {{.Dir}} {{join .GoFiles \",\"}}{{end}}", "./"+function).Output()
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	add := func(a string) {
		if !slices.Contains(actions, a) {
			actions = append(actions, a)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 3 || !strings.HasPrefix(fields[0], "github.com/tarjeta-dev/tarjeta/") {
			continue
		}
		for _, file := range strings.Split(fields[2], ",") {
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(fields[1], file), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && len(n.Args) >= 2 {
						for _, a := range operations[sel.Sel.Name] {
							add(a)
						}
					}
				case *ast.CompositeLit:
					// A transaction's items are types.Put, types.Update, ...
					// literals, which nothing else builds.
					if sel, ok := n.Type.(*ast.SelectorExpr); ok {
						if a, ok := transactItems[sel.Sel.Name]; ok {
							add(a)
						}
					}
				}
				return true
			})
		}
	}
	return actions
}

// platform are the actions Lambda takes on a function's behalf, by what
// the template gives it.
func platform(f fn) []string {
	out := []string{"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}
	if len(f.events("DynamoDB")) > 0 {
		out = append(out, "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams", "sqs:SendMessage")
	}
	if f.props["DeadLetterQueue"] != nil {
		out = append(out, "sqs:SendMessage")
	}
	return out
}

// TestTemplateGrantsOnlyWhatCodeCalls: every action a function's role
// grants is one its code can call (an AWS SDK operation in the packages it
// links) or one Lambda takes for it (logs, traces, its stream, its
// dead-letter queue; KMS for a bucket's own key). The converse, that each
// call the code makes is granted, is checked by the bootstrap tests on the
// calls they record (expectGranted).
func TestTemplateGrantsOnlyWhatCodeCalls(t *testing.T) {
	tp := loadTemplate(t)
	for name, f := range tp.functions(t) {
		can := append(possible(t, name), platform(f)...)
		if slices.Contains(can, "s3:GetObject") {
			can = append(can, "kms:Decrypt", "kms:GenerateDataKey")
		}
		for _, g := range tp.grants(t, f) {
			for _, a := range g.actions {
				if !slices.Contains(can, a) {
					t.Errorf("%s's role grants %s (%s), which neither its code nor Lambda for it calls", f.id, a, g.sid)
				}
			}
		}
	}
}

// TestTemplateAlarmsMeasureWhatCodeWrites: every alarm on a Tarjeta metric
// names one that the function its FunctionName dimension refers to writes
// (a rule of its Metrics), by dimensions that rule gives; and every alarm
// goes to the alarm topic.
func TestTemplateAlarmsMeasureWhatCodeWrites(t *testing.T) {
	tp := loadTemplate(t)
	rules := map[string][]metrics.Rule{
		"AuthorizeFunction": authorize.Metrics, "WebhooksFunction": webhooks.Metrics,
		"VerifyFunction": verify.Metrics, "ReconcileFunction": reconcile.Metrics,
	}
	alarms := 0
	for id, r := range tp.Resources {
		if r["Type"] != "AWS::CloudWatch::Alarm" {
			continue
		}
		alarms++
		p := r["Properties"].(map[string]any)
		if !strings.Contains(jsonOf(p["AlarmActions"]), "AlarmTopic") {
			t.Errorf("%s does not go to the alarm topic", id)
		}
		stats := []map[string]any{p}
		if ms, ok := p["Metrics"].([]any); ok {
			stats = nil
			for _, m := range ms {
				if s, ok := m.(map[string]any)["MetricStat"].(map[string]any); ok {
					stats = append(stats, s["Metric"].(map[string]any))
				}
			}
		}
		for _, m := range stats {
			if m["Namespace"] != metrics.Namespace {
				continue
			}
			name := m["MetricName"].(string)
			var function string
			var dims []string
			for _, d := range m["Dimensions"].([]any) {
				d := d.(map[string]any)
				if d["Name"] == metrics.FunctionDimension {
					function = refs(d["Value"])[0]
				} else {
					dims = append(dims, d["Name"].(string))
				}
			}
			if !slices.ContainsFunc(rules[function], func(r metrics.Rule) bool {
				var given []string
				for _, d := range r.Dims {
					given = append(given, d.Name)
				}
				return r.Metric == name && (len(dims) == 0 || slices.Equal(slices.Sorted(slices.Values(dims)), slices.Sorted(slices.Values(given))))
			}) {
				t.Errorf("%s watches %s%v of %s, which its code never writes", id, name, dims, function)
			}
		}
	}
	if alarms == 0 {
		t.Error("template.yaml has no alarm")
	}
}
