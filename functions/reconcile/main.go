// Command reconcile is the Lambda function of settlement reconciliation: it
// reads Pomelo's daily transaction and presentation files from S3, makes the
// ledger agree with them, and writes the day's report beside them, on its
// daily schedule, on POST /reconciliations and when invoked with {"date"}.
package main

import (
	"github.com/tarjeta-dev/tarjeta/config/reconcile"
	"github.com/tarjeta-dev/tarjeta/serve"
)

func main() { serve.Start(reconcile.Lambda) }
