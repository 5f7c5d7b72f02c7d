package api

import (
	"fmt"
	"net/http"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/names"
)

// distinctName refuses a name that is, to a reader, one the environment
// already has among records of the same kind (roles, teams or business
// units): names are compared by names.Key, so case, full-width letters
// and other look-alike forms do not make a new name. A custom role may
// not carry a built-in role's name either.
func (s *Server) distinctName(r *http.Request, kind, name string) error {
	var existing []string
	switch kind {
	case "role":
		for _, b := range access.BuiltInRoles() {
			if names.Same(b.Name, name) {
				return response.Invalid("name: %q is the name of a built-in role", b.Name)
			}
		}
		roles, err := s.cfg.Store.Roles(r.Context(), request.Environment(r))
		if err != nil {
			return err
		}
		for _, role := range roles {
			existing = append(existing, role.Name)
		}
	case "team", "business unit":
		list := s.cfg.Store.Teams
		if kind == "business unit" {
			list = s.cfg.Store.BusinessUnits
		}
		named, err := list(r.Context(), request.Environment(r))
		if err != nil {
			return err
		}
		for _, n := range named {
			existing = append(existing, n.Name)
		}
	}
	for _, e := range existing {
		if names.Same(e, name) {
			return response.Errorf(http.StatusConflict, "name_taken", fmt.Sprintf("a %s named %q exists already (names are compared without regard to case or look-alike forms)", kind, e))
		}
	}
	return nil
}

// decodeName reads a body {"name": …} and checks the name.
func decodeName(w http.ResponseWriter, r *http.Request, max int) (string, error) {
	var req struct {
		Name string `json:"name"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		return "", err
	}
	return req.Name, request.CheckName(req.Name, max)
}
