/* Choosing and unlocking the key a command signs with, and the home's keyring. */
#include "cli.h"

#include <string.h>

#include "key.h"
#include "signer.h"

int cli_signing_key(const char *name, sanshe_key **out)
{
	sanshe_buf chosen = SANSHE_BUF_INIT, passphrase = SANSHE_BUF_INIT;
	const char *home = cli_home();
	char prompt[200];
	int err;

	*out = NULL;
	if (!home)
		return sanshe_error_code();
	if (!name) {
		if ((err = sanshe_key_default_get(home, &chosen)) != 0)
			goto done;
		name = chosen.ptr;
	}
	snprintf(prompt, sizeof(prompt), _("passphrase for key '%s': "), name);
	if ((err = cli_passphrase(&passphrase, prompt, 0)) != 0)
		goto done;
	err = sanshe_key_unlock(out, home, name, passphrase.ptr);
done:
	cli_passphrase_dispose(&passphrase);
	sanshe_buf_dispose(&chosen);
	return err;
}

int cli_home_key_lookup(unsigned char pk[32], const char *fingerprint, void *payload)
{
	const char *home = cli_home();
	sanshe_key *key = NULL;
	int err;

	(void)payload;
	if (!home)
		return sanshe_error_code();
	err = sanshe_key_find_fingerprint(&key, home, fingerprint);
	if (err == SANSHE_ENOTFOUND)
		return sanshe_error_set(SANSHE_ENOTFOUND, "%s",
					_("a key this home does not know"));
	if (!err)
		memcpy(pk, sanshe_key_public(key), 32);
	sanshe_key_free(key);
	return err;
}
