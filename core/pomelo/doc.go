// Package pomelo models what Pomelo sends us: the bodies of the
// authorization and adjustment endpoints and the answers it expects back
// (amounts decoded exactly), and its notifications (activities, identity
// sessions, shipping updates) with how they are authenticated, named and
// kept.
package pomelo
