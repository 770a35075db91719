/*
 * Rules between documents (rules.h): reading documents, keeping findings
 * until the end and handing them out sorted, and the rule on case files.
 * Projects and ledgers are rules_ledger.c's.
 */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

/* How many open referrals a finding names before "and N more". */
#define REFERRALS_NAMED 5

const char *const sanshe_rules_types[] = { "case", "ledger-entry", "project", NULL };

const char *const sanshe_rules_categories[SANSHE_RULES_CATEGORIES] = {
	"staff", "services", "training", "evaluation_audit", "administration",
};

int sanshe_rules__no_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

int sanshe_rules_reads(const char *type)
{
	for (size_t i = 0; type && sanshe_rules_types[i]; i++)
		if (strcmp(type, sanshe_rules_types[i]) == 0)
			return 1;
	return 0;
}

char *sanshe_rules__strdup(const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		sanshe_rules__no_memory();
	return copy;
}

const char *sanshe_rules__string(const cJSON *obj, const char *name)
{
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(value) ? value->valuestring : NULL;
}

/* "YYYY-MM-DD": ten characters, digits but for the two dashes. */
static bool date_shaped(const char *s)
{
	for (int i = 0; i < RULES_DATE_SIZE - 1; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return false;
	return s[RULES_DATE_SIZE - 1] == '\0';
}

void sanshe_rules__date(char out[RULES_DATE_SIZE], const cJSON *obj, const char *name)
{
	const char *s = sanshe_rules__string(obj, name);

	out[0] = '\0';
	if (s && date_shaped(s))
		memcpy(out, s, RULES_DATE_SIZE);
}

void sanshe_rules_yuan(char out[SANSHE_RULES_YUAN_SIZE], uint64_t fen)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)(fen / 100));
	size_t o = 0;

	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	snprintf(out + o, SANSHE_RULES_YUAN_SIZE - o, ".%02u", (unsigned)(fen % 100));
}

static void finding_dispose(rules_finding *f)
{
	free(f->space);
	free(f->type);
	free(f->id);
	free(f->message);
}

int sanshe_rules__report(sanshe_rules *rules, const char *rule, const char *space,
			 const char *type, const char *id, const char *fmt, ...)
{
	sanshe_buf message = SANSHE_BUF_INIT;
	rules_finding f = { rule, NULL, NULL, NULL, NULL };
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = sanshe_buf_vprintf(&message, fmt, ap);
	va_end(ap);
	if (!err)
		err = sanshe_grow((void **)&rules->findings, &rules->cap_findings,
					 rules->n_findings, sizeof(f));
	if (!err && (!(f.space = strdup(space)) || !(f.type = strdup(type)) ||
		     !(f.id = strdup(id)) || !(f.message = sanshe_buf_detach(&message))))
		err = sanshe_rules__no_memory();
	sanshe_buf_dispose(&message);
	if (err) {
		finding_dispose(&f);
		return err;
	}
	rules->findings[rules->n_findings++] = f;
	return 0;
}

/* ---- case files ---- */

/* Is the referral done with: completed, or declined by the receiver? */
static bool referral_finished(const cJSON *referral)
{
	const char *status = sanshe_rules__string(referral, "status");

	return status && (strcmp(status, "completed") == 0 || strcmp(status, "declined") == 0);
}

/* Append "'r1' (pending, to X)" for `referral` to `list`, after a comma. */
static int name_referral(sanshe_buf *list, const cJSON *referral)
{
	const char *id = sanshe_rules__string(referral, "id");
	const char *status = sanshe_rules__string(referral, "status");
	const char *to = sanshe_rules__string(referral, "to");

	const char *sep = list->size ? ", " : "";

	if (!id)
		id = "?";
	if (!status)
		status = _("no status");
	if (to)
		return sanshe_buf_printf(list, _("%s'%s' (%s, to %s)"), sep, id, status, to);
	return sanshe_buf_printf(list, _("%s'%s' (%s)"), sep, id, status);
}

/* A closed case whose referrals are not all finished. */
static int check_case(sanshe_rules *rules, const char *space, const cJSON *doc)
{
	const char *id = sanshe_rules__string(doc, "id");
	const char *status = sanshe_rules__string(doc, "status");
	const cJSON *referral;
	sanshe_buf list = SANSHE_BUF_INIT;
	size_t open = 0;
	int err = 0;

	if (!id || !status || strcmp(status, "closed") != 0)
		return 0;
	cJSON_ArrayForEach(referral, cJSON_GetObjectItemCaseSensitive(doc, "referrals")) {
		if (!cJSON_IsObject(referral) || referral_finished(referral))
			continue;
		if (++open <= REFERRALS_NAMED && (err = name_referral(&list, referral)) != 0)
			break;
	}
	if (!err && open > REFERRALS_NAMED)
		err = sanshe_buf_printf(&list, _(" and %zu more"), open - REFERRALS_NAMED);
	if (!err && open)
		err = sanshe_rules__report(rules, SANSHE_RULE_CASE_REFERRALS, space, "case", id,
					   _("case '%s' is closed but has referrals still open: %s"),
					   id, list.ptr);
	sanshe_buf_dispose(&list);
	return err;
}

/* ---- the interface ---- */

int sanshe_rules_new(sanshe_rules **out)
{
	sanshe_rules *rules;

	*out = NULL;
	if (sodium_init() < 0)
		return sanshe_error_set(SANSHE_ERROR, "%s", _("libsodium cannot start"));
	if (!(rules = calloc(1, sizeof(*rules))))
		return sanshe_rules__no_memory();
	crypto_shorthash_keygen(rules->hash_key);
	*out = rules;
	return 0;
}

int sanshe_rules_add(sanshe_rules *rules, const char *space, const cJSON *doc)
{
	const char *type = sanshe_rules__string(doc, "type");

	if (rules->finished)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("the rules were already evaluated"));
	if (!type)
		return 0;
	if (strcmp(type, "case") == 0)
		return check_case(rules, space, doc);
	if (strcmp(type, "project") == 0)
		return sanshe_rules__add_project(rules, space, doc);
	if (strcmp(type, "ledger-entry") == 0)
		return sanshe_rules__add_entry(rules, space, doc);
	return 0;
}

static int finding_cmp(const void *a, const void *b)
{
	const rules_finding *x = a, *y = b;
	int c;

	if ((c = strcmp(x->space, y->space)) || (c = strcmp(x->type, y->type)) ||
	    (c = strcmp(x->id, y->id)) || (c = strcmp(x->rule, y->rule)))
		return c;
	return strcmp(x->message, y->message);
}

int sanshe_rules_finish(sanshe_rules *rules, sanshe_finding_cb cb, void *payload)
{
	int err;

	if (rules->finished)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("the rules were already evaluated"));
	rules->finished = true;
	if ((err = sanshe_rules__check_ledgers(rules)) != 0)
		return err;
	if (rules->n_findings)
		qsort(rules->findings, rules->n_findings, sizeof(*rules->findings), finding_cmp);
	for (size_t i = 0; i < rules->n_findings; i++) {
		const rules_finding *f = &rules->findings[i];
		sanshe_finding out = { f->rule, f->space, f->type, f->id, f->message };

		if ((err = cb(&out, payload)) != 0)
			return err;
	}
	return 0;
}

void sanshe_rules_free(sanshe_rules *rules)
{
	if (!rules)
		return;
	for (size_t i = 0; i < rules->n_findings; i++)
		finding_dispose(&rules->findings[i]);
	free(rules->findings);
	sanshe_rules__free_ledgers(rules);
	free(rules);
}
