package signin

import (
	"context"
	"errors"
	"time"

	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/report"
)

// PasswordWait is how long a request waits for a password slot before it
// is told to come back (503 busy); a variable for the tests, which wait
// less.
var PasswordWait = 5 * time.Second

// passwordSlot takes one of the server's password slots
// (Config.PasswordWorkers): every password hashed or checked on a request
// takes one, so that guesses from many addresses (each hash taking 64 MiB
// and a CPU) cannot take the server's memory, whatever their number.
func (s *Service) passwordSlot(ctx context.Context) (release func(), err error) {
	return report.TakeSlot(ctx, s.passwords, PasswordWait, "the server is busy checking passwords: try again in a few seconds")
}

// CheckPassword is auth.CheckPassword in a password slot. Its error is
// busy (a *response.Error) when no slot came free: nothing was checked.
func (s *Service) CheckPassword(ctx context.Context, password, hash string) error {
	release, err := s.passwordSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	s.hashed.Add(1)
	return auth.CheckPassword(password, hash)
}

// HashPassword is auth.HashPassword, with the server's parameters, in a
// password slot.
func (s *Service) HashPassword(ctx context.Context, password string) (string, error) {
	release, err := s.passwordSlot(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	s.hashed.Add(1)
	return auth.HashPassword(password, s.cfg.Password)
}

// isBusy is whether err is a slot's busy answer.
func isBusy(err error) bool {
	var e *response.Error
	return errors.As(err, &e) && e.Code == "busy"
}
