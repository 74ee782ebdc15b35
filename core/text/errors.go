package text

// Annotate returns err with detail after it, as fmt.Errorf("%w: %s", err,
// detail) would; errors.Is and errors.As see err through it.
func Annotate(err error, detail string) error { return &annotated{err, detail} }

type annotated struct {
	err    error
	detail string
}

func (e *annotated) Error() string { return e.err.Error() + ": " + e.detail }
func (e *annotated) Unwrap() error { return e.err }

// Wrap returns an error reading "outer: inner", as fmt.Errorf("%w: %w",
// outer, inner) would; errors.Is and errors.As see both through it.
func Wrap(outer, inner error) error { return &wrapped{outer, inner} }

type wrapped struct{ outer, inner error }

func (e *wrapped) Error() string   { return e.outer.Error() + ": " + e.inner.Error() }
func (e *wrapped) Unwrap() []error { return []error{e.outer, e.inner} }
