// Command webhooks is the Lambda function that receives every provider's
// notifications, keeps them before acknowledging them, serves the events
// API, and processes the events its table's stream feeds it.
package main

import (
	"github.com/tarjeta-dev/tarjeta/config/webhooks"
	"github.com/tarjeta-dev/tarjeta/serve"
)

func main() { serve.Start(webhooks.Lambda) }
