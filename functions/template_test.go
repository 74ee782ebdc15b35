package functions_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tarjeta-dev/tarjeta/core/allowlist"
)

// tmpl is template.yaml with its short tags (!Ref, !GetAtt, !Sub, !If...)
// in their long forms ({"Ref": x}, {"Fn::GetAtt": [r, a]}, ...).
type tmpl struct {
	Globals    map[string]any
	Parameters map[string]any
	Mappings   map[string]any
	Resources  map[string]map[string]any
}

func loadTemplate(t *testing.T) *tmpl {
	t.Helper()
	b, err := os.ReadFile("../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	doc := longForm(&root).(map[string]any)
	out := &tmpl{Resources: make(map[string]map[string]any)}
	out.Globals, _ = doc["Globals"].(map[string]any)
	out.Parameters, _ = doc["Parameters"].(map[string]any)
	out.Mappings, _ = doc["Mappings"].(map[string]any)
	for id, r := range doc["Resources"].(map[string]any) {
		out.Resources[id] = r.(map[string]any)
	}
	return out
}

// longForm turns a YAML node into maps, lists and scalars, a short tag into
// its long form.
func longForm(n *yaml.Node) any {
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		return longForm(n.Content[0])
	case yaml.AliasNode:
		return longForm(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = longForm(n.Content[i+1])
		}
		v = m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, c := range n.Content {
			l[i] = longForm(c)
		}
		v = l
	default:
		if strings.HasPrefix(n.Tag, "!!") {
			n.Decode(&v)
		} else {
			v = n.Value
		}
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return v
	}
	name := n.Tag[1:]
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}
	case "GetAtt":
		if s, ok := v.(string); ok {
			r, a, _ := strings.Cut(s, ".")
			v = []any{r, a}
		}
	}
	return map[string]any{"Fn::" + name: v}
}

// fn is one function as template.yaml declares it.
type fn struct {
	id    string // AuthorizeFunction
	props map[string]any
}

// functions are the template's functions, by the name of their folder
// under functions/.
func (tp *tmpl) functions(t *testing.T) map[string]fn {
	out := make(map[string]fn)
	for id, r := range tp.Resources {
		if r["Type"] == "AWS::Serverless::Function" {
			out[strings.ToLower(strings.TrimSuffix(id, "Function"))] = fn{id: id, props: r["Properties"].(map[string]any)}
		}
	}
	return out
}

// env is a function's environment as the template sets it.
func (f fn) env() map[string]any {
	e, _ := f.props["Environment"].(map[string]any)
	v, _ := e["Variables"].(map[string]any)
	return v
}

// events are a function's event sources of a type ("HttpApi", ...).
func (f fn) events(typ string) map[string]map[string]any {
	out := make(map[string]map[string]any)
	evs, _ := f.props["Events"].(map[string]any)
	for name, e := range evs {
		e := e.(map[string]any)
		if e["Type"] == typ {
			p, _ := e["Properties"].(map[string]any)
			out[name] = p
		}
	}
	return out
}

// refs are the logical ids and parameters a value refers to: Ref, GetAtt,
// and the ${X} and ${X.Attr} of Sub, through If's branches.
func refs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "Ref":
				out = append(out, x.(string))
			case "Fn::GetAtt":
				out = append(out, x.([]any)[0].(string))
			case "Fn::Sub":
				s := x
				if l, ok := x.([]any); ok {
					s = l[0]
					out = append(out, refs(l[1])...)
				}
				for _, part := range strings.Split(s.(string), "${")[1:] {
					name, _, _ := strings.Cut(part, "}")
					name, _, _ = strings.Cut(name, ".")
					if !strings.HasPrefix(name, "AWS::") {
						out = append(out, name)
					}
				}
			case "Fn::If":
				for _, b := range x.([]any)[1:] {
					out = append(out, refs(b)...)
				}
			default:
				out = append(out, refs(x)...)
			}
		}
	case []any:
		for _, x := range v {
			out = append(out, refs(x)...)
		}
	}
	return out
}

// grant is one Allow statement of a role.
type grant struct {
	sid       string
	actions   []string
	resources []any
}

// grants are the Allow statements of a function's role, those under a
// condition included.
func (tp *tmpl) grants(t *testing.T, f fn) []grant {
	role := refs(f.props["Role"])
	if len(role) != 1 || tp.Resources[role[0]]["Type"] != "AWS::IAM::Role" {
		t.Fatalf("%s has no role of its own in the template: %v", f.id, f.props["Role"])
	}
	var out []grant
	for _, p := range tp.Resources[role[0]]["Properties"].(map[string]any)["Policies"].([]any) {
		doc := p.(map[string]any)["PolicyDocument"].(map[string]any)
		for _, s := range doc["Statement"].([]any) {
			st := s.(map[string]any)
			if c, ok := st["Fn::If"].([]any); ok {
				st, ok = c[1].(map[string]any)
				if !ok {
					continue
				}
			}
			if st["Effect"] != "Allow" {
				continue
			}
			g := grant{sid: fmt.Sprint(st["Sid"])}
			switch a := st["Action"].(type) {
			case string:
				g.actions = []string{a}
			case []any:
				for _, x := range a {
					g.actions = append(g.actions, x.(string))
				}
			}
			if l, ok := st["Resource"].([]any); ok {
				g.resources = l
			} else {
				g.resources = []any{st["Resource"]}
			}
			out = append(out, g)
		}
	}
	return out
}

// resource is a grant's resource in the form runtimetest.Call names it,
// with logical ids for names: "table/LedgerTable/index/entries_by_time",
// "object/SettlementBucket/*", "secret/PomeloCredentialsSecretArn".
func (tp *tmpl) resource(r any) string {
	switch r := r.(type) {
	case string:
		return r
	case map[string]any:
		if ga, ok := r["Fn::GetAtt"].([]any); ok {
			id, attr := ga[0].(string), ga[1].(string)
			kind := map[string]string{"AWS::DynamoDB::Table": "table", "AWS::SQS::Queue": "queue", "AWS::Logs::LogGroup": "loggroup"}[fmt.Sprint(tp.Resources[id]["Type"])]
			if attr == "StreamArn" {
				kind = "stream"
			}
			return kind + "/" + id
		}
		if ref, ok := r["Ref"].(string); ok {
			return "secret/" + ref
		}
		if sub, ok := r["Fn::Sub"]; ok {
			text, _ := sub.(string)
			if l, ok := sub.([]any); ok {
				text = l[0].(string)
				for name, v := range l[1].(map[string]any) {
					text = strings.ReplaceAll(text, "${"+name+"}", "${"+refs(v)[0]+"}")
				}
			}
			switch {
			case strings.HasPrefix(text, "${") && strings.Contains(text, ".Arn}/index/"):
				id, index, _ := strings.Cut(strings.TrimPrefix(text, "${"), ".Arn}/index/")
				return "table/" + id + "/index/" + index
			case strings.HasPrefix(text, "arn:${AWS::Partition}:s3:::"):
				rest := strings.TrimPrefix(text, "arn:${AWS::Partition}:s3:::")
				bucket, key, found := strings.Cut(rest, "/")
				bucket = strings.TrimSuffix(strings.TrimPrefix(bucket, "${"), "}")
				if found {
					return "object/" + bucket + "/" + key
				}
				return "bucket/" + bucket
			case strings.Contains(text, ":function:"):
				name := text[strings.Index(text, ":function:")+len(":function:"):]
				for id, res := range tp.Resources {
					if p, ok := res["Properties"].(map[string]any); ok && res["Type"] == "AWS::Serverless::Function" {
						if s, ok := p["FunctionName"].(map[string]any); ok && s["Fn::Sub"] == name {
							return "function/" + id
						}
					}
				}
			}
		}
	}
	return fmt.Sprint(r)
}

// matches reports whether a grant's resource covers a call's.
func matches(granted, called string) bool {
	if granted == called {
		return true
	}
	prefix, ok := strings.CutSuffix(granted, "*")
	return ok && strings.HasPrefix(called, prefix)
}

// expectGranted checks that the role template.yaml gives b's function
// grants every AWS call the process made in its test: each action, on the
// very table, index, bucket, object, secret or function. The names the
// process was given map back to the template's logical ids through its
// environment.
func expectGranted(t *testing.T, b *bootstrap) {
	t.Helper()
	tp := loadTemplate(t)
	f, ok := tp.functions(t)[b.function]
	if !ok {
		t.Fatalf("template.yaml has no %s function", b.function)
	}
	names := map[string]string{b.FunctionName: f.id}
	for k, v := range f.env() {
		if given, ok := b.env[k]; ok && given != "" {
			if r := refs(v); len(r) > 0 {
				names[given] = r[0]
			}
		}
	}
	grants := tp.grants(t, f)
	for _, c := range b.calls() {
		kind, name, _ := strings.Cut(c.Resource, "/")
		name, rest, _ := strings.Cut(name, "/")
		if kind == "secret" {
			name, rest = c.Resource[len("secret/"):], ""
		}
		logical, ok := names[name]
		if !ok {
			t.Errorf("%s: %s on %s, a resource its settings do not name", b.function, c.Action, c.Resource)
			continue
		}
		want := kind + "/" + logical
		if rest != "" {
			want += "/" + rest
		}
		if !slices.ContainsFunc(grants, func(g grant) bool {
			return slices.Contains(g.actions, c.Action) && slices.ContainsFunc(g.resources, func(r any) bool { return matches(tp.resource(r), want) })
		}) {
			t.Errorf("%s's role does not grant %s on %s, which it called (%s)", f.id, c.Action, want, c.Resource)
		}
	}
}

// TestTemplateGlobals: every function is a provided.al2023 arm64
// bootstrap, traced, built by the Makefile's build-<LogicalId> target, with
// a log group and a role of its own.
func TestTemplateGlobals(t *testing.T) {
	tp := loadTemplate(t)
	g := tp.Globals["Function"].(map[string]any)
	if g["Runtime"] != "provided.al2023" || !reflect.DeepEqual(g["Architectures"], []any{"arm64"}) || g["Handler"] != "bootstrap" || g["Tracing"] != "Active" {
		t.Errorf("Globals.Function = %v", g)
	}
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	fns := tp.functions(t)
	if len(fns) != 4 {
		t.Errorf("template.yaml declares %d functions, want 4", len(fns))
	}
	for name, f := range fns {
		if _, err := os.Stat(name + "/main.go"); err != nil {
			t.Errorf("%s has no functions/%s/main.go", f.id, name)
		}
		md, _ := tp.Resources[f.id]["Metadata"].(map[string]any)
		if md["BuildMethod"] != "makefile" || !strings.Contains(string(makefile), "\nbuild-"+f.id+":") {
			t.Errorf("%s is not built by the Makefile's build-%s", f.id, f.id)
		}
		logs, _ := f.props["LoggingConfig"].(map[string]any)
		if r := refs(logs["LogGroup"]); len(r) != 1 || tp.Resources[r[0]]["Type"] != "AWS::Logs::LogGroup" {
			t.Errorf("%s has no log group of its own", f.id)
		}
		tp.grants(t, f)
	}
	mains, _ := filepath.Glob("*/main.go")
	for _, m := range mains {
		if name := filepath.Dir(m); fns[name].id == "" {
			t.Errorf("functions/%s is not in template.yaml", name)
		}
	}
}

// TestTemplateLeastPrivilege: no role grants a wildcard action, and only
// X-Ray, which has no resources to name, is granted on every resource.
func TestTemplateLeastPrivilege(t *testing.T) {
	tp := loadTemplate(t)
	for _, f := range tp.functions(t) {
		for _, g := range tp.grants(t, f) {
			for _, a := range g.actions {
				if strings.Contains(a, "*") {
					t.Errorf("%s %s grants the wildcard action %s", f.id, g.sid, a)
				}
			}
			for _, r := range g.resources {
				if tp.resource(r) == "*" && slices.ContainsFunc(g.actions, func(a string) bool { return !strings.HasPrefix(a, "xray:") }) {
					t.Errorf("%s %s grants %v on every resource", f.id, g.sid, g.actions)
				}
			}
		}
	}
}

// jsonOf is v as compact JSON, for messages.
func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestTemplateSafeguards: the settlement bucket is versioned, encrypted,
// private, TLS-only and expires its reports; the functions that could run
// away with money (the verify follow-up calling providers who bill per
// call, reconcile continuing itself) have reserved concurrency; every
// dead-letter queue has an alarm on its depth.
func TestTemplateSafeguards(t *testing.T) {
	tp := loadTemplate(t)
	b := tp.Resources["SettlementBucket"]["Properties"].(map[string]any)
	block := b["PublicAccessBlockConfiguration"].(map[string]any)
	if b["VersioningConfiguration"].(map[string]any)["Status"] != "Enabled" || b["BucketEncryption"] == nil ||
		block["BlockPublicAcls"] != true || block["BlockPublicPolicy"] != true || block["IgnorePublicAcls"] != true || block["RestrictPublicBuckets"] != true {
		t.Errorf("SettlementBucket is not versioned, encrypted and private: %s", jsonOf(b))
	}
	if !strings.Contains(jsonOf(b["LifecycleConfiguration"]), `"Prefix":"reports/"`) {
		t.Error("SettlementBucket has no lifecycle rule on reports/")
	}
	policy := jsonOf(tp.Resources["SettlementBucketPolicy"]["Properties"])
	if !strings.Contains(policy, `"Effect":"Deny"`) || !strings.Contains(policy, `"aws:SecureTransport":"false"`) {
		t.Errorf("SettlementBucketPolicy does not refuse plain HTTP: %s", policy)
	}
	fns := tp.functions(t)
	for _, name := range []string{"verify", "reconcile"} {
		if fns[name].props["ReservedConcurrentExecutions"] == nil {
			t.Errorf("%s has no reserved concurrency", name)
		}
	}
	watched := make(map[string]bool)
	for _, r := range tp.Resources {
		if r["Type"] == "AWS::CloudWatch::Alarm" {
			for _, ref := range refs(r["Properties"].(map[string]any)["Dimensions"]) {
				watched[ref] = true
			}
		}
	}
	for id, r := range tp.Resources {
		if r["Type"] == "AWS::SQS::Queue" && !watched[id] {
			t.Errorf("no alarm watches the dead-letter queue %s", id)
		}
	}
}

// TestTemplateSampleEvents: every route, stream and schedule template.yaml
// gives a function has a sample event under events/<function>/, which its
// bootstrap test replays.
func TestTemplateSampleEvents(t *testing.T) {
	tp := loadTemplate(t)
	for name, f := range tp.functions(t) {
		have := make(map[string]bool)
		files, _ := filepath.Glob("../events/" + name + "/*.json")
		for _, file := range files {
			var ev struct {
				RouteKey   string `json:"routeKey"`
				DetailType string `json:"detail-type"`
				Records    []struct{ EventSource string }
			}
			if err := json.Unmarshal(sample(t, name+"/"+filepath.Base(file)), &ev); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			switch {
			case ev.RouteKey != "":
				have[ev.RouteKey] = true
			case ev.DetailType == "Scheduled Event":
				have["Schedule"] = true
			case len(ev.Records) > 0:
				have["DynamoDB"] = true
			default:
				have["ScheduleV2"] = true // a direct invocation, as Scheduler's Input
			}
		}
		for ev, p := range f.events("HttpApi") {
			if key := fmt.Sprint(p["Method"], " ", p["Path"]); !have[key] {
				t.Errorf("%s %s (%s) has no sample event in events/%s", f.id, ev, key, name)
			}
		}
		for _, kind := range []string{"Schedule", "ScheduleV2", "DynamoDB"} {
			if len(f.events(kind)) > 0 && !have[kind] {
				t.Errorf("%s's %s source has no sample event in events/%s", f.id, kind, name)
			}
		}
	}
}

// TestTemplateStages: a stack is a sandbox or a production stage, each an
// environment of samconfig.toml; Pomelo's routes take, by default, the
// addresses Pomelo publishes for the stage (core/allowlist's), in both
// functions that serve them.
func TestTemplateStages(t *testing.T) {
	tp := loadTemplate(t)
	stage := tp.Parameters["Stage"].(map[string]any)
	if !reflect.DeepEqual(stage["AllowedValues"], []any{"sandbox", "production"}) || stage["Default"] != nil {
		t.Errorf("Stage = %v, want sandbox or production, no default", stage)
	}
	stages := tp.Mappings["Stages"].(map[string]any)
	for name, want := range map[string][]string{"sandbox": allowlist.PomeloSandbox, "production": allowlist.PomeloProduction} {
		if got := stages[name].(map[string]any)["PomeloSourceIps"]; got != strings.Join(want, ",") {
			t.Errorf("Stages.%s.PomeloSourceIps = %v, want Pomelo's %v", name, got, want)
		}
	}
	for _, name := range []string{"authorize", "webhooks"} {
		if v := jsonOf(tp.functions(t)[name].env()["POMELO_SOURCE_IPS"]); !strings.Contains(v, `"Fn::FindInMap":["Stages",{"Ref":"Stage"},"PomeloSourceIps"]`) {
			t.Errorf("%s's POMELO_SOURCE_IPS = %s, want the stage's by default", name, v)
		}
	}
	samconfig, err := os.ReadFile("../samconfig.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sandbox", "production"} {
		_, section, _ := strings.Cut(string(samconfig), "["+name+".deploy.parameters]")
		section, _, _ = strings.Cut(section, "\n[")
		if !strings.Contains(section, `"Stage=`+name+`"`) || !strings.Contains(section, `stack_name = "tarjeta-`+name+`"`) {
			t.Errorf("samconfig.toml has no %s environment deploying Stage=%s", name, name)
		}
	}
}
