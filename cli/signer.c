/* Choosing and unlocking the key a command signs with, and the home's keyring. */
#include "cli.h"

#include <stdlib.h>
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

/* The Argon2id cost SANSHE_KDF names, or NULL for the default. */
static int kdf_limits(sanshe_kdf_limits *limits, const sanshe_kdf_limits **use)
{
	const char *env = getenv("SANSHE_KDF");

	*use = NULL;
	if (!env || !*env)
		return 0;
	if (sanshe_kdf_limits_named(limits, env) != 0)
		return sanshe_error_prefix("SANSHE_KDF");
	*use = limits;
	return 0;
}

/* Refuse a name in use before asking for a passphrase. */
static int check_new_name(const char *home, const char *name)
{
	sanshe_key *key = NULL;
	int err;

	if ((err = sanshe_key_name_check(name)) != 0)
		return err;
	err = sanshe_key_load_public(&key, home, name);
	sanshe_key_free(key);
	if (err == 0)
		return sanshe_error_set(SANSHE_EEXISTS, _("key '%s' exists already"),
					name);
	return err == SANSHE_ENOTFOUND ? 0 : err;
}

int cli_make_key(sanshe_key **key, const char *home, const char *name)
{
	sanshe_buf passphrase = SANSHE_BUF_INIT, prompt = SANSHE_BUF_INIT;
	const sanshe_kdf_limits *use;
	sanshe_kdf_limits limits;
	int err;

	if ((err = kdf_limits(&limits, &use)) != 0 ||
	    (err = check_new_name(home, name)) != 0 ||
	    (err = sanshe_buf_printf(&prompt, _("Passphrase for the new key '%s': "),
				     name)) != 0 ||
	    (err = cli_passphrase(&passphrase, prompt.ptr, 1)) != 0 ||
	    (err = sanshe_key_generate(key, name)) != 0)
		goto done;
	if ((err = sanshe_key_save(*key, home, passphrase.ptr, use)) != 0) {
		sanshe_key_free(*key);
		*key = NULL;
	}
done:
	cli_passphrase_dispose(&passphrase);
	sanshe_buf_dispose(&prompt);
	return err;
}

