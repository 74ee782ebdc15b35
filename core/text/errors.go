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
