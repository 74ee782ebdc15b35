package webhook

// Route is one of the webhook endpoints: it fixes the provider, how a
// delivery is authenticated and how its body is read.
type Route string

// The routes, named by their path under /webhooks/.
const (
	PomeloShipping   Route = "pomelo/shipping/updates"
	PomeloActivities Route = "pomelo/activities"
	PomeloIdentity   Route = "pomelo/identity"
	TDPush           Route = "td"
	BelvoRoute       Route = "belvo"
	PalencaRoute     Route = "palenca"
)

// Routes lists every route.
var Routes = []Route{PomeloShipping, PomeloActivities, PomeloIdentity, TDPush, BelvoRoute, PalencaRoute}

// Provider returns who calls the route.
func (r Route) Provider() Provider {
	switch r {
	case TDPush:
		return TD
	case BelvoRoute:
		return Belvo
	case PalencaRoute:
		return Palenca
	}
	return Pomelo
}

// Path is the route's path.
func (r Route) Path() string { return "/webhooks/" + string(r) }

// Known reports whether r is one of Routes.
func (r Route) Known() bool {
	for _, k := range Routes {
		if r == k {
			return true
		}
	}
	return false
}
