// Command authorize is the Lambda function that answers Pomelo's card
// authorizations and adjustments and serves the ledger account view.
package main

import (
	"github.com/tarjeta-dev/tarjeta/config/authorize"
	"github.com/tarjeta-dev/tarjeta/serve"
)

func main() { serve.Start(authorize.Lambda) }
