/*
 * The rules on projects and their ledgers (rules.h): budgets by category,
 * tranches paid before a passed final evaluation, reversals naming nothing,
 * entries naming no project.  Ledger entries arrive in any order (in a
 * node's listing they even come before the projects they name), so each
 * is kept as a 32-byte record; at the end the records are sorted by the
 * digest of their ids, reversals find what they cancel, and the expenses
 * that stand are added up per project and category, the disbursements per
 * project (sanshe_rules_projects hands out these figures).
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

/* The largest amount of fen a schema allows (2^53 - 1). */
#define FEN_MAX 9007199254740991.0
/* Room for the reason a tranche came early (a sentence and a date). */
#define WHY_SIZE 256

_Static_assert(sizeof(rules_entry) == 32, "a ledger entry's record is 32 bytes");

static const char *const kind_names[] = { "budget", "disbursement", "expense", "reversal" };

/* ---- projects by id ---- */

static size_t hash_id(const sanshe_rules *rules, const char *id)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, (const unsigned char *)id, strlen(id), rules->hash_key);
	memcpy(&v, h, sizeof(v));
	return (size_t)v;
}

/* Where `id` is in the table, or the empty place it would take. */
static size_t table_find(const sanshe_rules *rules, const char *id)
{
	size_t mask = rules->table_size - 1, i = hash_id(rules, id) & mask;

	while (rules->table[i] != RULES_NO_PROJECT &&
	       strcmp(rules->projects[rules->table[i]].id, id) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Double the table (kept at most half full) and put every project back. */
static int table_grow(sanshe_rules *rules)
{
	size_t size = rules->table_size ? rules->table_size * 2 : 64;
	uint32_t *table;

	if (size > SIZE_MAX / sizeof(*table) || !(table = malloc(size * sizeof(*table))))
		return sanshe_rules__no_memory();
	for (size_t i = 0; i < size; i++)
		table[i] = RULES_NO_PROJECT;
	free(rules->table);
	rules->table = table;
	rules->table_size = size;
	for (size_t p = 0; p < rules->n_projects; p++)
		table[table_find(rules, rules->projects[p].id)] = (uint32_t)p;
	return 0;
}

/* The slot of project `id` in `*out`, made when it is new. */
static int project_slot(sanshe_rules *rules, const char *id, uint32_t *out)
{
	rules_project *p;
	size_t at;
	int err;

	if (rules->n_projects * 2 >= rules->table_size && (err = table_grow(rules)) != 0)
		return err;
	at = table_find(rules, id);
	if (rules->table[at] != RULES_NO_PROJECT) {
		*out = rules->table[at];
		return 0;
	}
	if (rules->n_projects >= RULES_NO_PROJECT)
		return sanshe_rules__no_memory();
	if ((err = sanshe_grow((void **)&rules->projects, &rules->cap_projects,
				      rules->n_projects, sizeof(*p))) != 0)
		return err;
	p = memset(&rules->projects[rules->n_projects], 0, sizeof(*p));
	if (!(p->id = sanshe_rules__strdup(id)))
		return SANSHE_ENOMEM;
	*out = rules->table[at] = (uint32_t)rules->n_projects++;
	return 0;
}

/* ---- reading a project ---- */

/* Is `value` a whole number of fen from `min` to 2^53 - 1?  Into `*out`. */
static bool read_fen(const cJSON *value, double min, uint64_t *out)
{
	double v;

	if (!cJSON_IsNumber(value))
		return false;
	v = value->valuedouble;
	if (!(v >= min && v <= FEN_MAX) || v != (double)(uint64_t)v)
		return false;
	*out = (uint64_t)v;
	return true;
}

static void read_budget(rules_project *p, const cJSON *budget)
{
	p->budgeted = 0;
	for (unsigned i = 0; i < RULES_CATEGORIES; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(budget, sanshe_rules_categories[i]);

		if (read_fen(v, 0, &p->budget[i]))
			p->budgeted |= 1u << i;
	}
}

static bool has_value(const cJSON *obj, const char *name, const char *value)
{
	const char *s = sanshe_rules__string(obj, name);

	return s && strcmp(s, value) == 0;
}

/* The day of the earliest final evaluation that passed. */
static void read_evaluations(rules_project *p, const cJSON *evaluations)
{
	char date[RULES_DATE_SIZE];
	const cJSON *e;

	p->passed_final[0] = '\0';
	if (!cJSON_IsArray(evaluations))
		return;
	cJSON_ArrayForEach(e, evaluations) {
		if (!has_value(e, "kind", "final") || !has_value(e, "result", "passed"))
			continue;
		sanshe_rules__date(date, e, "date");
		if (date[0] && (!p->passed_final[0] || strcmp(date, p->passed_final) < 0))
			memcpy(p->passed_final, date, sizeof(date));
	}
}

static void free_late(rules_project *p)
{
	for (size_t i = 0; i < p->n_late; i++)
		free(p->late[i].id);
	free(p->late);
	p->late = NULL;
	p->n_late = 0;
}

static int tranche_cmp(const void *a, const void *b)
{
	return strcmp(((const rules_tranche *)a)->id, ((const rules_tranche *)b)->id);
}

static bool is_late(const cJSON *tranche)
{
	return sanshe_rules__string(tranche, "id") &&
	       has_value(tranche, "condition", "after-final-evaluation");
}

/* The tranches due after a passed final evaluation, sorted by id. */
static int read_tranches(rules_project *p, const cJSON *tranches)
{
	const cJSON *t;
	size_t n = 0;

	free_late(p);
	if (!cJSON_IsArray(tranches))
		return 0;
	cJSON_ArrayForEach(t, tranches)
		n += is_late(t);
	if (!n)
		return 0;
	if (!(p->late = calloc(n, sizeof(*p->late))))
		return sanshe_rules__no_memory();
	cJSON_ArrayForEach(t, tranches) {
		rules_tranche *late = &p->late[p->n_late];

		if (!is_late(t))
			continue;
		if (!(late->id = sanshe_rules__strdup(sanshe_rules__string(t, "id"))))
			return SANSHE_ENOMEM;
		sanshe_rules__date(late->paid, t, "paid");
		p->n_late++;
	}
	qsort(p->late, p->n_late, sizeof(*p->late), tranche_cmp);
	return 0;
}

int sanshe_rules__add_project(sanshe_rules *rules, const char *space, const cJSON *doc)
{
	const char *id = sanshe_rules__string(doc, "id");
	const char *title = sanshe_rules__string(doc, "title");
	rules_project *p;
	uint32_t slot;
	int err;

	if (!id)
		return 0;
	if ((err = project_slot(rules, id, &slot)) != 0)
		return err;
	p = &rules->projects[slot];
	free(p->space);
	free(p->title);
	p->title = NULL;
	if (!(p->space = sanshe_rules__strdup(space)) ||
	    (title && !(p->title = sanshe_rules__strdup(title))))
		return SANSHE_ENOMEM;
	read_budget(p, cJSON_GetObjectItemCaseSensitive(doc, "budget"));
	read_evaluations(p, cJSON_GetObjectItemCaseSensitive(doc, "evaluations"));
	return read_tranches(p, cJSON_GetObjectItemCaseSensitive(doc, "tranches"));
}

/* ---- reading a ledger entry ---- */

static void digest(unsigned char out[RULES_DIGEST_BYTES], const char *id)
{
	crypto_generichash(out, RULES_DIGEST_BYTES, (const unsigned char *)id, strlen(id),
			   NULL, 0);
}

static uint8_t read_kind(const cJSON *doc)
{
	const char *kind = sanshe_rules__string(doc, "kind");

	for (uint8_t i = 0; kind && i < SANSHE_ARRAY_SIZE(kind_names); i++)
		if (strcmp(kind, kind_names[i]) == 0)
			return i;
	return RULES_OTHER_KIND;
}

static uint8_t read_category(const cJSON *doc)
{
	const char *category = sanshe_rules__string(doc, "category");

	for (uint8_t i = 0; category && i < RULES_CATEGORIES; i++)
		if (strcmp(category, sanshe_rules_categories[i]) == 0)
			return i;
	return RULES_NO_CATEGORY;
}

/* Count entry `id` among those naming `p`, keeping the smallest id. */
static int note_entry(rules_project *p, const char *space, const char *id)
{
	char *first, *first_space;

	p->entries++;
	if (p->first_entry && strcmp(id, p->first_entry) >= 0)
		return 0;
	if (!(first = strdup(id)) || !(first_space = strdup(space))) {
		free(first);
		return sanshe_rules__no_memory();
	}
	free(p->first_entry);
	free(p->first_space);
	p->first_entry = first;
	p->first_space = first_space;
	return 0;
}

/*
 * Append a record of `size` bytes that starts with a rules_ref to `*items`
 * (`*n` used, `*cap` allocated), its names copied: the record, or NULL
 * having set SANSHE_ENOMEM.
 */
static void *push_ref(void **items, size_t *cap, size_t *n, size_t size, const char *space,
		      const char *id, const char *name)
{
	rules_ref *ref;

	if (sanshe_grow(items, cap, *n, size) != 0)
		return NULL;
	ref = memset((char *)*items + *n * size, 0, size);
	if (!(ref->space = strdup(space)) || !(ref->id = strdup(id)) ||
	    !(ref->name = strdup(name))) {
		free(ref->space);
		free(ref->id);
		sanshe_rules__no_memory();
		return NULL;
	}
	++*n;
	return ref;
}

static void free_refs(void *items, size_t n, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		rules_ref *ref = (rules_ref *)((char *)items + i * size);

		free(ref->space);
		free(ref->id);
		free(ref->name);
	}
	free(items);
}

static int add_reversal(sanshe_rules *rules, const char *space, const char *id,
			const cJSON *doc)
{
	const char *target = sanshe_rules__string(doc, "reverses");
	rules_reversal *r;

	if (!target)
		return 0;
	if (!(r = push_ref((void **)&rules->reversals, &rules->cap_reversals, &rules->n_reversals,
			   sizeof(*r), space, id, target)))
		return SANSHE_ENOMEM;
	digest(r->target_digest, target);
	return 0;
}

static int add_disbursement(sanshe_rules *rules, const char *space, const char *id,
			    const rules_entry *entry, const cJSON *doc)
{
	const char *tranche = sanshe_rules__string(doc, "tranche");
	rules_disbursement *d;

	if (!tranche)
		return 0;
	if (!(d = push_ref((void **)&rules->disbursements, &rules->cap_disbursements,
			   &rules->n_disbursements, sizeof(*d), space, id, tranche)))
		return SANSHE_ENOMEM;
	sanshe_rules__date(d->date, doc, "date");
	memcpy(d->digest, entry->digest, sizeof(d->digest));
	d->project = entry->project;
	return 0;
}

int sanshe_rules__add_entry(sanshe_rules *rules, const char *space, const cJSON *doc)
{
	const char *id = sanshe_rules__string(doc, "id");
	const char *project = sanshe_rules__string(doc, "project");
	rules_entry e = { .project = RULES_NO_PROJECT };
	int err;

	if (!id)
		return 0;
	digest(e.digest, id);
	e.kind = read_kind(doc);
	e.category = read_category(doc);
	read_fen(cJSON_GetObjectItemCaseSensitive(doc, "amount"), 1, &e.amount);
	if (project && ((err = project_slot(rules, project, &e.project)) != 0 ||
			(err = note_entry(&rules->projects[e.project], space, id)) != 0))
		return err;
	if ((err = sanshe_grow((void **)&rules->entries, &rules->cap_entries,
				      rules->n_entries, sizeof(e))) != 0)
		return err;
	rules->entries[rules->n_entries++] = e;
	if (e.kind == RULES_REVERSAL)
		return add_reversal(rules, space, id, doc);
	if (e.kind == RULES_DISBURSEMENT)
		return add_disbursement(rules, space, id, &e, doc);
	return 0;
}

/* ---- the checks ---- */

/* Entries by digest (the first member): for qsort, and for bsearch with a digest as key. */
static int entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, RULES_DIGEST_BYTES);
}

static rules_entry *find_entry(const sanshe_rules *rules, const unsigned char *key)
{
	if (!rules->n_entries)
		return NULL;
	return bsearch(key, rules->entries, rules->n_entries, sizeof(rules_entry), entry_cmp);
}

/*
 * Each reversal cancels the entry it names, or is reported when there is
 * none.  A cancelled reversal still cancels: reversals are not followed.
 */
static int settle_reversals(sanshe_rules *rules)
{
	int err = 0;

	for (size_t i = 0; !err && i < rules->n_reversals; i++) {
		const rules_reversal *r = &rules->reversals[i];
		rules_entry *e = find_entry(rules, r->target_digest);

		if (!e)
			err = sanshe_rules__report(
			    rules, SANSHE_RULE_REVERSAL_MISSING, r->ref.space, "ledger-entry",
			    r->ref.id, _("ledger entry '%s' reverses entry '%s', which does not exist"),
			    r->ref.id, r->ref.name);
		else
			e->cancelled = 1; /* never read for a reversal: no chains */
	}
	return err;
}

/* Add `amount` to `*sum`, at most UINT64_MAX. */
static void add_fen(uint64_t *sum, uint64_t amount)
{
	*sum = amount > UINT64_MAX - *sum ? UINT64_MAX : *sum + amount;
}

/*
 * What stands of the ledger, per project: the expenses by category and the
 * disbursements.
 */
static void add_up(sanshe_rules *rules)
{
	for (size_t i = 0; i < rules->n_entries; i++) {
		const rules_entry *e = &rules->entries[i];
		rules_project *p;

		if (e->cancelled || e->project == RULES_NO_PROJECT)
			continue;
		p = &rules->projects[e->project];
		if (e->kind == RULES_EXPENSE && e->category < RULES_CATEGORIES)
			add_fen(&p->spent[e->category], e->amount);
		else if (e->kind == RULES_DISBURSEMENT)
			add_fen(&p->disbursed, e->amount);
	}
}

/* Had the final evaluation of `p` passed by `date` (by any day when "")? */
static bool passed_by(const rules_project *p, const char *date)
{
	return p->passed_final[0] && (!date[0] || strcmp(p->passed_final, date) <= 0);
}

static rules_tranche *find_late(const rules_project *p, const char *id)
{
	rules_tranche key = { .id = (char *)id };

	if (!p->n_late)
		return NULL;
	return bsearch(&key, p->late, p->n_late, sizeof(*p->late), tranche_cmp);
}

/* Why a payment came before its time, in plain words, into `out`. */
static const char *why_early(const rules_project *p, char out[WHY_SIZE])
{
	if (p->passed_final[0])
		snprintf(out, WHY_SIZE, _("the final evaluation passed only on %s"),
			 p->passed_final);
	else
		snprintf(out, WHY_SIZE, "%s", _("the project has none"));
	return out;
}

/* Disbursements not cancelled that pay a late tranche before its time. */
static int check_disbursements(sanshe_rules *rules)
{
	int err = 0;

	for (size_t i = 0; !err && i < rules->n_disbursements; i++) {
		const rules_disbursement *d = &rules->disbursements[i];
		const rules_entry *e = find_entry(rules, d->digest);
		const rules_project *p;
		rules_tranche *t;
		char why[WHY_SIZE];

		if (!e || e->cancelled || d->project == RULES_NO_PROJECT)
			continue;
		p = &rules->projects[d->project];
		if (!p->space || !(t = find_late(p, d->ref.name)))
			continue;
		t->in_ledger = true;
		if (!passed_by(p, d->date))
			err = sanshe_rules__report(
			    rules, SANSHE_RULE_TRANCHE_EARLY, d->ref.space, "ledger-entry", d->ref.id,
			    _("ledger entry '%s' pays tranche '%s' of project '%s' on %s, before a "
			      "passed final evaluation: %s"),
			    d->ref.id, t->id, p->id, d->date, why_early(p, why));
	}
	return err;
}

static int check_budget(sanshe_rules *rules, const rules_project *p)
{
	char spent[SANSHE_RULES_YUAN_SIZE], budget[SANSHE_RULES_YUAN_SIZE];
	char over[SANSHE_RULES_YUAN_SIZE];
	int err = 0;

	for (unsigned i = 0; !err && i < RULES_CATEGORIES; i++) {
		if (!(p->budgeted & (1u << i)) || p->spent[i] <= p->budget[i])
			continue;
		sanshe_rules_yuan(spent, p->spent[i]);
		sanshe_rules_yuan(budget, p->budget[i]);
		sanshe_rules_yuan(over, p->spent[i] - p->budget[i]);
		err = sanshe_rules__report(
		    rules, SANSHE_RULE_BUDGET_EXCEEDED, p->space, "project", p->id,
		    _("project '%s', category %s: spent %s yuan of a budget of %s yuan, %s yuan over"),
		    p->id, sanshe_rules_categories[i], spent, budget, over);
	}
	return err;
}

/* Late tranches the project itself marks paid, when no disbursement pays them. */
static int check_paid_tranches(sanshe_rules *rules, const rules_project *p)
{
	int err = 0;

	for (size_t i = 0; !err && i < p->n_late; i++) {
		const rules_tranche *t = &p->late[i];
		char why[WHY_SIZE];

		if (!t->paid[0] || t->in_ledger || passed_by(p, t->paid))
			continue;
		err = sanshe_rules__report(
		    rules, SANSHE_RULE_TRANCHE_EARLY, p->space, "project", p->id,
		    _("project '%s' has tranche '%s' paid on %s, before a passed final "
		      "evaluation: %s"),
		    p->id, t->id, t->paid, why_early(p, why));
	}
	return err;
}

/* Entries name a project that is not there: one finding, on the first of them. */
static int report_missing(sanshe_rules *rules, const rules_project *p)
{
	if (p->entries == 1)
		return sanshe_rules__report(
		    rules, SANSHE_RULE_PROJECT_MISSING, p->first_space, "ledger-entry",
		    p->first_entry, _("ledger entry '%s' names project '%s', which does not exist"),
		    p->first_entry, p->id);
	return sanshe_rules__report(
	    rules, SANSHE_RULE_PROJECT_MISSING, p->first_space, "ledger-entry", p->first_entry,
	    _("%zu ledger entries name project '%s', which does not exist (the first is '%s')"),
	    p->entries, p->id, p->first_entry);
}

int sanshe_rules__check_ledgers(sanshe_rules *rules)
{
	int err;

	if (rules->n_entries)
		qsort(rules->entries, rules->n_entries, sizeof(*rules->entries), entry_cmp);
	if ((err = settle_reversals(rules)) != 0)
		return err;
	add_up(rules);
	if ((err = check_disbursements(rules)) != 0)
		return err;
	for (size_t i = 0; !err && i < rules->n_projects; i++) {
		const rules_project *p = &rules->projects[i];

		if (!p->space)
			err = p->entries ? report_missing(rules, p) : 0;
		else if ((err = check_budget(rules, p)) == 0)
			err = check_paid_tranches(rules, p);
	}
	return err;
}

/* ---- the projects' figures ---- */

static int project_ptr_cmp(const void *a, const void *b)
{
	const rules_project *x = *(const rules_project *const *)a;
	const rules_project *y = *(const rules_project *const *)b;

	return strcmp(x->id, y->id);
}

static void project_figures(sanshe_rules_project *out, const rules_project *p)
{
	memset(out, 0, sizeof(*out));
	out->space = p->space;
	out->id = p->id;
	out->title = p->title;
	memcpy(out->budget, p->budget, sizeof(out->budget));
	memcpy(out->spent, p->spent, sizeof(out->spent));
	out->disbursed = p->disbursed;
	out->entries = p->entries;
}

int sanshe_rules_projects(const sanshe_rules *rules,
			  int (*cb)(const sanshe_rules_project *project, void *payload),
			  void *payload)
{
	const rules_project **sorted;
	int err = 0;

	if (!rules->finished)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("the rules are not evaluated yet"));
	if (!rules->n_projects)
		return 0;
	if (!(sorted = malloc(rules->n_projects * sizeof(*sorted))))
		return sanshe_rules__no_memory();
	for (size_t i = 0; i < rules->n_projects; i++)
		sorted[i] = &rules->projects[i];
	qsort(sorted, rules->n_projects, sizeof(*sorted), project_ptr_cmp);
	for (size_t i = 0; !err && i < rules->n_projects; i++) {
		sanshe_rules_project figures;

		project_figures(&figures, sorted[i]);
		err = cb(&figures, payload);
	}
	free(sorted);
	return err;
}

void sanshe_rules__free_ledgers(sanshe_rules *rules)
{
	for (size_t i = 0; i < rules->n_projects; i++) {
		rules_project *p = &rules->projects[i];

		free_late(p);
		free(p->id);
		free(p->space);
		free(p->title);
		free(p->first_entry);
		free(p->first_space);
	}
	free(rules->projects);
	free(rules->table);
	free(rules->entries);
	free_refs(rules->reversals, rules->n_reversals, sizeof(*rules->reversals));
	free_refs(rules->disbursements, rules->n_disbursements, sizeof(*rules->disbursements));
}
