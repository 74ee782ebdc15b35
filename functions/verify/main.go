// Command verify is the Lambda function of the verification API: it starts
// income and employment verifications over TD, Palenca and Belvo, settles
// the providers' notifications the webhooks table's stream offers it, and
// follows up what is pending on its schedule.
package main

import (
	"github.com/tarjeta-dev/tarjeta/config/verify"
	"github.com/tarjeta-dev/tarjeta/serve"
)

func main() { serve.Start(verify.Lambda) }
