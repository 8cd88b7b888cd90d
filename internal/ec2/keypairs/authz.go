package keypairs

import (
	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
)

// authz is what resource-level permissions see of a key pair: its ARN,
// which names the key by its name (not its id), tags, name and type.
func (kp *KeyPair) authz() api.Resource {
	res := Kind.Authz(kp.Region, kp.Account, kp.Name, kp.Tags)
	keyPairKeys(res.Keys, kp.Name, kp.Type)
	return res
}

// authzNew is authz for the key pair an action is about to create (kp is
// its record to be): key-pair/* with its tags as request tags.
func (kp *KeyPair) authzNew() api.Resource {
	res := Kind.New(kp.Region, kp.Account, kp.Tags)
	keyPairKeys(res.Keys, kp.Name, kp.Type)
	return res
}

func keyPairKeys(k map[string][]string, name, typ string) {
	k["ec2:KeyPairName"] = []string{name}
	k["ec2:KeyPairType"] = []string{typ}
}

// authorizeNew authorizes creating kp: tagging it, then the action, and the
// dry run.
func authorizeNew(r *api.Request, dryRun *bool, kp *KeyPair) error {
	res := kp.authzNew()
	if err := resource.AuthorizeTagOnCreate(r, res); err != nil {
		return err
	}
	return r.AuthorizeOn(dryRun, res)
}
