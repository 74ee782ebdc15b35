// Package metrics turns the functions' log lines into CloudWatch metrics:
// a slog.Handler that adds CloudWatch's embedded metric format (EMF) to the
// lines its rules name, so that one JSON line is both the log of a request
// and its figures, and a metric never disagrees with the log it came from.
//
// See https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html.
package metrics

import (
	"context"
	"log/slog"
	"slices"
	"time"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "Tarjeta"

// FunctionDimension names the function in every metric: its Lambda name,
// so that two stacks in one account keep their figures apart.
const FunctionDimension = "FunctionName"

// Rule names a metric that a log line carries.
type Rule struct {
	// Message and When select the lines: the message, and attributes
	// that must hold these values (as text).
	Message string
	When    map[string]string
	// Metric is the metric's name. Value names the attribute whose number
	// is the value; empty counts the line as 1.
	Metric string
	Value  string
	Unit   string // "Count" when empty
	// Dims are dimensions besides FunctionDimension; the metric is also
	// published by FunctionDimension alone, so that one alarm sees every
	// value of the others.
	Dims []Dim
}

// Dim is a dimension: its value is the attribute Attr's, or Value when Attr
// is empty.
type Dim struct {
	Name, Attr, Value string
}

// Handler adds the metrics of its rules to the lines it passes on.
type Handler struct {
	next     slog.Handler
	function string
	rules    []Rule
}

// NewHandler returns a handler that passes every record to next, adding
// to a record that matches rules the EMF metadata and values of each
// (function names the FunctionDimension). A line that lacks a dimension's
// attribute, or a Value attribute that is not a number, adds that rule's
// metric to nothing: a metric never invents a value.
func NewHandler(next slog.Handler, function string, rules []Rule) *Handler {
	return &Handler{next: next, function: function, rules: rules}
}

// Logger is log with the metrics of rules on its lines.
func Logger(log *slog.Logger, function string, rules []Rule) *slog.Logger {
	return slog.New(NewHandler(log.Handler(), function, rules))
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// WithAttrs implements slog.Handler; rules read only a record's own
// attributes.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(attrs), function: h.function, rules: h.rules}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), function: h.function, rules: h.rules}
}

// directive is one entry of _aws.CloudWatchMetrics.
type directive struct {
	Namespace  string     `json:"Namespace"`
	Dimensions [][]string `json:"Dimensions"`
	Metrics    []metric   `json:"Metrics"`
}

type metric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	var (
		meta  metadata
		added []slog.Attr
	)
	for _, rule := range h.rules {
		if rule.Message != r.Message {
			continue
		}
		d, values, ok := h.apply(rule, r)
		if !ok {
			continue
		}
		meta.CloudWatchMetrics = append(meta.CloudWatchMetrics, d)
		for _, v := range values {
			if !slices.ContainsFunc(added, func(a slog.Attr) bool { return a.Key == v.Key }) {
				added = append(added, v)
			}
		}
	}
	if len(meta.CloudWatchMetrics) == 0 {
		return h.next.Handle(ctx, r)
	}
	at := r.Time
	if at.IsZero() {
		at = time.Now()
	}
	meta.Timestamp = at.UnixMilli()
	r = r.Clone()
	r.AddAttrs(slog.Any("_aws", meta), slog.String(FunctionDimension, h.function))
	r.AddAttrs(added...)
	return h.next.Handle(ctx, r)
}

// attr is the value of r's attribute key.
func attr(r slog.Record, key string) (v slog.Value, ok bool) {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v, ok = a.Value.Resolve(), true
		}
		return !ok
	})
	return v, ok
}

// apply is rule's directive on line r, and the dimension and metric values
// the line gains; ok is false when the rule does not apply. A line has a
// dozen attributes: reading them again for each of a rule's few is cheaper
// than a map.
func (h *Handler) apply(rule Rule, r slog.Record) (directive, []slog.Attr, bool) {
	for k, want := range rule.When {
		v, ok := attr(r, k)
		if !ok || v.String() != want {
			return directive{}, nil, false
		}
	}
	var values []slog.Attr
	dims := []string{FunctionDimension}
	for _, d := range rule.Dims {
		value := d.Value
		if d.Attr != "" {
			v, ok := attr(r, d.Attr)
			if !ok || v.String() == "" {
				return directive{}, nil, false
			}
			value = v.String()
		}
		dims = append(dims, d.Name)
		values = append(values, slog.String(d.Name, value))
	}
	var n float64 = 1
	if rule.Value != "" {
		v, ok := attr(r, rule.Value)
		if !ok {
			return directive{}, nil, false
		}
		switch v.Kind() {
		case slog.KindInt64:
			n = float64(v.Int64())
		case slog.KindUint64:
			n = float64(v.Uint64())
		case slog.KindFloat64:
			n = v.Float64()
		default:
			return directive{}, nil, false
		}
	}
	values = append(values, slog.Float64(rule.Metric, n))
	unit := rule.Unit
	if unit == "" {
		unit = "Count"
	}
	sets := [][]string{{FunctionDimension}}
	if len(dims) > 1 {
		sets = append(sets, dims)
	}
	return directive{Namespace: Namespace, Dimensions: sets, Metrics: []metric{{Name: rule.Metric, Unit: unit}}}, values, true
}
