package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/kumo-cloud/kumo/internal/accounts"
)

// ensureOperator makes the operator account and its root key on first start and
// keeps the credentials file current.
func (d *Daemon) ensureOperator(ctx context.Context) error {
	op, err := d.Accounts.Operator(ctx)
	switch {
	case errors.Is(err, accounts.ErrNotFound):
		var want *accounts.AccessKey
		if d.cfg.RootAccessKeyID != "" {
			want = &accounts.AccessKey{ID: d.cfg.RootAccessKeyID, Secret: d.cfg.RootSecretAccessKey}
		}
		op, d.RootKey, err = d.Accounts.Create(ctx, "operator", true, want)
		if err != nil {
			return err
		}
		d.cfg.Log.Info("created operator account", "account", op.ID)
	case err != nil:
		return err
	default:
		if d.RootKey, err = d.Accounts.RootKey(ctx, op.ID); err != nil {
			return fmt.Errorf("operator account %s has no active root key: %w", op.ID, err)
		}
	}
	d.Operator = op
	return writeCredentials(d.cfg.CredentialsPath(), d.RootKey)
}

// writeCredentials writes the AWS shared-credentials file with profile "kumo".
func writeCredentials(path string, k *accounts.AccessKey) error {
	body := fmt.Sprintf("[kumo]\naws_access_key_id = %s\naws_secret_access_key = %s\n", k.ID, k.Secret)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	return os.Rename(tmp, path)
}
