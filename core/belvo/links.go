package belvo

import "github.com/tarjeta-dev/tarjeta/core/inbound"

// FindLink reads Belvo's list of links ({"count","next","results":[{"id",
// "external_id",...}]}) for the first link created with externalID, ""
// when none. It fails with inbound.ErrPayload.
func FindLink(body []byte, externalID string) (string, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return "", err
	}
	if !f.Root.Get("results").IsArray() {
		f.Fail("results must be a list")
		return "", f.Err()
	}
	link := ""
	f.Each("results", func(l *inbound.Fields) {
		if id := l.ID("id"); link == "" && l.Str("external_id") == externalID {
			link = id
		}
	})
	return link, f.Err()
}
