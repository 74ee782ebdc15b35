// Package text holds the small encodings core's packages share, written
// without fmt, encoding/hex or encoding/json so that the WebAssembly debugger
// that compiles them stays small: hexadecimal, JSON strings, and errors
// annotated with details.
package text
