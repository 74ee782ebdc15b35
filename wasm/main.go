//go:build js && wasm

// Command wasm is the signature debugger's engine: core/signature and
// core/capture compiled to WebAssembly and exposed to the page as the
// global object `tarjeta`. The page holds no crypto of its own.
package main

import "syscall/js"

func main() {
	js.Global().Set("tarjeta", js.ValueOf(map[string]any{
		"diagnose":      js.FuncOf(func(_ js.Value, args []js.Value) any { return diagnose(arg(args)) }),
		"sign":          js.FuncOf(func(_ js.Value, args []js.Value) any { return sign(arg(args)) }),
		"parse":         js.FuncOf(func(_ js.Value, args []js.Value) any { return parse(arg(args)) }),
		"verifyTD":      js.FuncOf(func(_ js.Value, args []js.Value) any { return verifyTD(arg(args)) }),
		"verifyPalenca": js.FuncOf(func(_ js.Value, args []js.Value) any { return verifyPalenca(arg(args)) }),
		"verifyBelvo":   js.FuncOf(func(_ js.Value, args []js.Value) any { return verifyBelvo(arg(args)) }),
	}))
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("tarjeta-ready"))
	select {} // serve calls until the page goes away
}

func arg(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}
