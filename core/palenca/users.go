package palenca

import "github.com/tarjeta-dev/tarjeta/core/inbound"

// Users is a page of Palenca's List Users answer, as far as finding one of
// ours needs it: the user created with an external_id, and how many pages
// the listing has.
type Users struct {
	UserID string // "" when none on the page has the external_id
	Pages  int
}

// FindUser reads a page of List Users ({"data":{"users":[{"user_id",
// "external_id"}]},"pagination":{"total_pages"}}: 000 leaves the shape out)
// for the user whose external_id is externalID. It fails with
// inbound.ErrPayload.
func FindUser(body []byte, externalID string) (Users, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return Users{}, err
	}
	var u Users
	f.Each("data.users", func(user *inbound.Fields) {
		if id := user.ID("user_id"); u.UserID == "" && user.Str("external_id") == externalID {
			u.UserID = id
		}
	})
	u.Pages = int(min(f.Root.Get("pagination.total_pages").Int(), 1<<20))
	return u, f.Err()
}

// FindAccount reads Retrieve User Accounts ({"data":{"accounts":
// [{"account_id","platform"}]}}) for the account on platform, "" when none.
// It fails with inbound.ErrPayload.
func FindAccount(body []byte, platform string) (string, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return "", err
	}
	account := ""
	f.Each("data.accounts", func(a *inbound.Fields) {
		if id := a.ID("account_id"); account == "" && a.Str("platform") == platform {
			account = id
		}
	})
	return account, f.Err()
}
