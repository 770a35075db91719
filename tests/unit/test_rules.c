/*
 * Rules between documents: each rule on small hand-made projects, ledger
 * entries and case files, triggered and not, at its boundaries, and the
 * same findings whatever order the documents come in.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rules.h"

/* Findings as "rule space type/id: message", in the order given. */
typedef struct findings {
	size_t n;
	char line[16][512];
} findings;

static int collect(const sanshe_finding *f, void *payload)
{
	findings *out = payload;

	assert_true(out->n < SANSHE_ARRAY_SIZE(out->line));
	snprintf(out->line[out->n++], sizeof(out->line[0]), "%s %s %s/%s: %s", f->rule, f->space,
		 f->type, f->id, f->message);
	return 0;
}

/* Add a document written with ' for " (no quote appears in the values). */
static void add_in(sanshe_rules *rules, const char *space, const char *json)
{
	char *text = strdup(json);
	cJSON *doc = NULL;

	for (char *c = text; *c; c++)
		if (*c == '\'')
			*c = '"';
	assert_int_equal(sanshe_json_parse(&doc, text, strlen(text), "test", NULL), 0);
	assert_int_equal(sanshe_rules_add(rules, space, doc), 0);
	cJSON_Delete(doc);
	free(text);
}

static void add(sanshe_rules *rules, const char *json)
{
	add_in(rules, "common", json);
}

static sanshe_rules *start(void)
{
	sanshe_rules *rules = NULL;

	assert_int_equal(sanshe_rules_new(&rules), 0);
	return rules;
}

static void finish(sanshe_rules *rules, findings *out)
{
	memset(out, 0, sizeof(*out));
	assert_int_equal(sanshe_rules_finish(rules, collect, out), 0);
	sanshe_rules_free(rules);
}

/* Exactly one finding, `line`. */
static void assert_only(const findings *f, const char *line)
{
	assert_int_equal(f->n, 1);
	assert_string_equal(f->line[0], line);
}

/* Exactly one finding, containing `part`. */
static void assert_only_with(const findings *f, const char *part)
{
	assert_int_equal(f->n, 1);
	if (!strstr(f->line[0], part))
		fail_msg("'%s' is not in '%s'", part, f->line[0]);
}

/* Project p1: services budget 10,000.00 yuan, tranche-2 due after a passed
 * final evaluation; `more` adds members (",'evaluations':[...]"). */
static void project(sanshe_rules *rules, const char *more)
{
	char json[2048];

	snprintf(json, sizeof(json),
		 "{'type':'project','id':'p1','budget':{'staff':0,'services':1000000,"
		 "'training':0,'evaluation_audit':0,'administration':0},"
		 "'tranches':[{'id':'tranche-1','share_percent':60,'amount':600000,"
		 "'condition':'on-start','paid':'2023-01-05'},"
		 "{'id':'tranche-2','share_percent':40,'amount':400000,"
		 "'condition':'after-final-evaluation'}]%s}",
		 more);
	add(rules, json);
}

static void expense(sanshe_rules *rules, const char *id, const char *category, long amount)
{
	char json[512];

	snprintf(json, sizeof(json),
		 "{'type':'ledger-entry','id':'%s','project':'p1','kind':'expense',"
		 "'category':'%s','amount':%ld,'date':'2023-03-01','counterparty':'x'}",
		 id, category, amount);
	add(rules, json);
}

static void reversal(sanshe_rules *rules, const char *id, const char *target)
{
	char json[512];

	snprintf(json, sizeof(json),
		 "{'type':'ledger-entry','id':'%s','project':'p1','kind':'reversal',"
		 "'amount':1,'date':'2023-03-02','reverses':'%s'}",
		 id, target);
	add(rules, json);
}

static void disbursement(sanshe_rules *rules, const char *id, const char *tranche,
			 const char *date)
{
	char json[512];

	snprintf(json, sizeof(json),
		 "{'type':'ledger-entry','id':'%s','project':'p1','kind':'disbursement',"
		 "'amount':400000,'date':'%s','counterparty':'bureau','tranche':'%s'}",
		 id, date, tranche);
	add(rules, json);
}

static void final_evaluation(char *out, size_t size, const char *date, const char *result)
{
	snprintf(out, size,
		 ",'evaluations':[{'id':'e-mid','kind':'mid-term','date':'2023-01-01',"
		 "'evaluator':'x','result':'passed'},{'id':'e-final','kind':'final',"
		 "'date':'%s','evaluator':'x','result':'%s'}]",
		 date, result);
}

static void exactly_the_budget_is_fine_a_fen_more_is_not(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	project(rules, "");
	expense(rules, "x1", "services", 600000);
	expense(rules, "x2", "services", 400000);
	expense(rules, "x3", "training", 0 + 1); /* a zero training budget: over */
	finish(rules, &f);
	assert_only(&f, "budget-exceeded common project/p1: project 'p1', "
				       "category training: spent 0.01 yuan of a budget of "
				       "0.00 yuan, 0.01 yuan over");
}

static void spent_beyond_the_budget_names_the_figures(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	project(rules, "");
	expense(rules, "x1", "services", 1000000);
	expense(rules, "x2", "services", 234567);
	finish(rules, &f);
	assert_only(&f, "budget-exceeded common project/p1: project 'p1', "
				       "category services: spent 12,345.67 yuan of a budget of "
				       "10,000.00 yuan, 2,345.67 yuan over");
}

static void a_reversal_brings_spending_back_under(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	reversal(rules, "r1", "x2"); /* before what it reverses */
	project(rules, "");
	expense(rules, "x1", "services", 1000000);
	expense(rules, "x2", "services", 234567);
	finish(rules, &f);
	assert_int_equal(f.n, 0);
}

static void two_reversals_of_one_entry_cancel_it_once(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	project(rules, "");
	expense(rules, "x1", "services", 1200000);
	expense(rules, "x2", "services", 100000);
	reversal(rules, "r1", "x2");
	reversal(rules, "r2", "x2");
	finish(rules, &f);
	assert_only_with(&f, "spent 12,000.00 yuan of a budget of 10,000.00");
}

static void a_reversal_of_a_reversal_cancels_nothing(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	project(rules, "");
	expense(rules, "x1", "services", 1000000);
	expense(rules, "x2", "services", 1);
	reversal(rules, "r1", "x2");
	reversal(rules, "r2", "r1");
	finish(rules, &f);
	assert_int_equal(f.n, 0);
}

static void a_reversal_naming_nothing_is_reported(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	project(rules, "");
	expense(rules, "x1", "services", 100);
	reversal(rules, "r1", "x1");
	reversal(rules, "r2", "x9");
	finish(rules, &f);
	assert_only(&f, "reversal-target-missing common ledger-entry/r2: "
				       "ledger entry 'r2' reverses entry 'x9', which does not "
				       "exist");
}

static void entries_naming_no_project_are_reported_once(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	expense(rules, "x2", "services", 100); /* p1 never comes */
	expense(rules, "x1", "services", 100);
	expense(rules, "x3", "services", 100);
	finish(rules, &f);
	assert_only(&f, "ledger-project-missing common ledger-entry/x1: 3 ledger "
				       "entries name project 'p1', which does not exist (the "
				       "first is 'x1')");

	rules = start();
	expense(rules, "x1", "services", 100);
	finish(rules, &f);
	assert_only_with(&f, "ledger entry 'x1' names project 'p1', which does not");

	rules = start();
	project(rules, "");
	expense(rules, "x1", "services", 100);
	finish(rules, &f);
	assert_int_equal(f.n, 0);
}

static void second_tranche_before_a_passed_final_evaluation(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	project(rules, "");
	disbursement(rules, "d1", "tranche-1", "2023-01-05");
	disbursement(rules, "d2", "tranche-2", "2023-09-01");
	finish(rules, &f);
	assert_only(&f, "tranche-before-final-evaluation common ledger-entry/d2: "
				       "ledger entry 'd2' pays tranche 'tranche-2' of project "
				       "'p1' on 2023-09-01, before a passed final evaluation: "
				       "the project has none");
}

/* The findings for tranche-2 disbursed on 2023-09-01 and a final evaluation. */
static size_t early_with_evaluation(findings *f, const char *date, const char *result)
{
	sanshe_rules *rules = start();
	char more[512];

	final_evaluation(more, sizeof(more), date, result);
	project(rules, more);
	disbursement(rules, "d2", "tranche-2", "2023-09-01");
	finish(rules, f);
	return f->n;
}

static void final_evaluation_passed_on_or_before_the_day(void **state)
{
	findings f;

	(void)state;
	assert_int_equal(early_with_evaluation(&f, "2023-09-01", "passed"), 0);
	assert_int_equal(early_with_evaluation(&f, "2023-08-31", "passed"), 0);
	early_with_evaluation(&f, "2023-09-02", "passed");
	assert_only_with(&f, "the final evaluation passed only on 2023-09-02");
	early_with_evaluation(&f, "2023-08-01", "failed");
	assert_only_with(&f, "the project has none");
}

static void a_reversed_disbursement_is_not_paid(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	project(rules, "");
	disbursement(rules, "d2", "tranche-2", "2023-09-01");
	reversal(rules, "r1", "d2");
	finish(rules, &f);
	assert_int_equal(f.n, 0);
}

static void a_tranche_the_project_marks_paid_too_early(void **state)
{
	sanshe_rules *rules = start();
	const char *paid = ",'tranches':[{'id':'tranche-2','share_percent':40,'amount':1,"
			   "'condition':'after-final-evaluation','paid':'2023-09-01'}]";
	char json[1024];
	findings f;

	(void)state;
	snprintf(json, sizeof(json),
		 "{'type':'project','id':'p1','budget':{'staff':0,'services':0,'training':0,"
		 "'evaluation_audit':0,'administration':0}%s}",
		 paid);
	add(rules, json);
	finish(rules, &f);
	assert_only(&f, "tranche-before-final-evaluation common project/p1: "
				       "project 'p1' has tranche 'tranche-2' paid on "
				       "2023-09-01, before a passed final evaluation: the "
				       "project has none");

	/* paid through the ledger as well: one finding, on the disbursement */
	rules = start();
	add(rules, json);
	disbursement(rules, "d2", "tranche-2", "2023-09-01");
	finish(rules, &f);
	assert_only_with(&f, "ledger-entry/d2");
}

static void case_closed_with_open_referrals(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	add_in(rules, "org/tongxin",
	       "{'type':'case','id':'c1','status':'closed','closed':'2023-05-01','referrals':["
	       "{'id':'ref-1','to':'民政局','status':'pending'},"
	       "{'id':'ref-2','to':'街道','status':'completed'},"
	       "{'id':'ref-3','to':'医院','status':'accepted'},"
	       "{'id':'ref-4','to':'学校','status':'declined'}]}");
	add_in(rules, "org/tongxin",
	       "{'type':'case','id':'c2','status':'closed','closed':'2023-05-01','referrals':["
	       "{'id':'ref-1','to':'民政局','status':'completed'}]}");
	add_in(rules, "org/tongxin",
	       "{'type':'case','id':'c3','status':'in-service','referrals':["
	       "{'id':'ref-1','to':'民政局','status':'pending'}]}");
	finish(rules, &f);
	assert_only(&f, "case-closed-open-referrals org/tongxin case/c1: case "
				       "'c1' is closed but has referrals still open: 'ref-1' "
				       "(pending, to 民政局), 'ref-3' (accepted, to 医院)");
}

static void many_open_referrals_are_counted(void **state)
{
	sanshe_rules *rules = start();
	sanshe_buf json = SANSHE_BUF_INIT;
	findings f;

	(void)state;
	sanshe_buf_puts(&json, "{'type':'case','id':'c1','status':'closed','referrals':[");
	for (int i = 0; i < 8; i++)
		sanshe_buf_printf(&json, "%s{'id':'r%d','status':'pending'}", i ? "," : "", i);
	sanshe_buf_puts(&json, "]}");
	add_in(rules, "org/o1", json.ptr);
	sanshe_buf_dispose(&json);
	finish(rules, &f);
	assert_only_with(&f, "'r4' (pending) and 3 more");
}

/* Every kind of finding, from documents in the given order. */
static void everything(findings *f, int reverse)
{
	const char *docs[] = {
		"{'type':'ledger-entry','id':'a','project':'p1','kind':'expense',"
		"'category':'staff','amount':5,'date':'2023-01-01'}",
		"{'type':'ledger-entry','id':'b','project':'p1','kind':'reversal',"
		"'amount':5,'date':'2023-01-01','reverses':'zz'}",
		"{'type':'ledger-entry','id':'c','project':'p9','kind':'expense',"
		"'category':'staff','amount':5,'date':'2023-01-01'}",
		"{'type':'ledger-entry','id':'d','project':'p1','kind':'disbursement',"
		"'amount':5,'date':'2023-01-01','tranche':'t2'}",
		"{'type':'project','id':'p1','budget':{'staff':4},'tranches':[{'id':'t2',"
		"'condition':'after-final-evaluation'}]}",
		"{'type':'case','id':'c1','status':'closed','referrals':[{'id':'r'}]}",
		"{'type':'roster','id':'x'}",
	};
	sanshe_rules *rules = start();
	size_t n = SANSHE_ARRAY_SIZE(docs);

	for (size_t i = 0; i < n; i++)
		add(rules, docs[reverse ? n - 1 - i : i]);
	finish(rules, f);
}

static void same_findings_in_any_order(void **state)
{
	findings forward, backward;

	(void)state;
	everything(&forward, 0);
	everything(&backward, 1);
	assert_int_equal(forward.n, 5);
	assert_int_equal(backward.n, forward.n);
	for (size_t i = 0; i < forward.n; i++)
		assert_string_equal(forward.line[i], backward.line[i]);
	assert_non_null(strstr(forward.line[0], "case-closed-open-referrals common case/c1: "));
	assert_non_null(strstr(forward.line[0], "'r' (no status)"));
	assert_non_null(strstr(forward.line[1], "reversal-target-missing common ledger-entry/b: "));
	assert_non_null(strstr(forward.line[2], "ledger-project-missing common ledger-entry/c: "));
	assert_non_null(strstr(forward.line[3], "tranche-before-final-evaluation common "
						"ledger-entry/d: "));
	assert_non_null(strstr(forward.line[4], "budget-exceeded common project/p1: "));
}

static void documents_that_make_no_sense_are_skipped(void **state)
{
	sanshe_rules *rules = start();
	findings f;

	(void)state;
	add(rules, "{'type':'ledger-entry','project':'p1','kind':'expense'}");
	add(rules, "{'type':'ledger-entry','id':'x','project':3,'kind':'expense','amount':1.5}");
	add(rules, "{'type':'ledger-entry','id':'y','kind':'reversal','reverses':['x']}");
	add(rules, "{'type':'project','id':'p2','budget':'many','evaluations':{},'tranches':7}");
	add(rules, "{'type':'case','id':'c','status':'closed','referrals':'none'}");
	add(rules, "{'id':'untyped'}");
	add(rules, "[1,2]");
	finish(rules, &f);
	assert_int_equal(f.n, 0);
}

static void evaluated_once_only(void **state)
{
	sanshe_rules *rules = start();
	cJSON *doc = cJSON_Parse("{\"type\":\"case\",\"id\":\"c\"}");
	findings f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(sanshe_rules_finish(rules, collect, &f), 0);
	assert_int_equal(sanshe_rules_finish(rules, collect, &f), SANSHE_EINVALID);
	assert_int_equal(sanshe_rules_add(rules, "org/o", doc), SANSHE_EINVALID);
	cJSON_Delete(doc);
	sanshe_rules_free(rules);
	sanshe_rules_free(NULL);
}

static int stop_at_first(const sanshe_finding *f, void *payload)
{
	(void)f;
	++*(int *)payload;
	return 42;
}

static void the_callback_can_stop(void **state)
{
	sanshe_rules *rules = start();
	int calls = 0;

	(void)state;
	expense(rules, "x1", "services", 1);
	reversal(rules, "r1", "nothing");
	assert_int_equal(sanshe_rules_finish(rules, stop_at_first, &calls), 42);
	assert_int_equal(calls, 1);
	sanshe_rules_free(rules);
	assert_true(sanshe_rules_reads("ledger-entry"));
	assert_false(sanshe_rules_reads("case-note"));
	assert_false(sanshe_rules_reads(NULL));
}

/* The figures of the projects, copied out in the order given. */
typedef struct projects {
	size_t n;
	sanshe_rules_project p[4];
	char id[4][32], title[4][64], space[4][32];
} projects;

static int collect_project(const sanshe_rules_project *p, void *payload)
{
	projects *out = payload;
	size_t i = out->n++;

	assert_true(i < SANSHE_ARRAY_SIZE(out->p));
	out->p[i] = *p;
	snprintf(out->id[i], sizeof(out->id[i]), "%s", p->id);
	snprintf(out->title[i], sizeof(out->title[i]), "%s", p->title ? p->title : "(none)");
	snprintf(out->space[i], sizeof(out->space[i]), "%s", p->space ? p->space : "(none)");
	return 0;
}

static size_t category(const char *name)
{
	for (size_t i = 0; i < SANSHE_RULES_CATEGORIES; i++)
		if (strcmp(sanshe_rules_categories[i], name) == 0)
			return i;
	fail_msg("no category '%s'", name);
	return 0;
}

static void projects_give_budget_spent_and_disbursed_net_of_reversals(void **state)
{
	sanshe_rules *rules = start();
	size_t services = category("services"), training = category("training");
	projects got = { 0 };
	findings f;

	(void)state;
	project(rules, ",'title':'兰园社区项目'");
	expense(rules, "x1", "services", 600000);
	expense(rules, "x2", "services", 300000);
	expense(rules, "x3", "training", 500);
	reversal(rules, "r1", "x3");
	disbursement(rules, "d1", "tranche-1", "2022-09-30");
	disbursement(rules, "d2", "tranche-2", "2023-09-28");
	reversal(rules, "r2", "d2");
	add(rules, "{'type':'ledger-entry','id':'y1','project':'p0','kind':'expense',"
		   "'category':'staff','amount':100,'date':'2023-03-01','counterparty':'x'}");
	assert_int_equal(sanshe_rules_projects(rules, collect_project, &got), SANSHE_EINVALID);
	memset(&f, 0, sizeof(f));
	assert_int_equal(sanshe_rules_finish(rules, collect, &f), 0);
	assert_int_equal(sanshe_rules_projects(rules, collect_project, &got), 0);
	sanshe_rules_free(rules);

	assert_int_equal(got.n, 2);
	assert_string_equal(got.id[0], "p0"); /* sorted by id */
	assert_string_equal(got.space[0], "(none)");
	assert_string_equal(got.title[0], "(none)");
	assert_int_equal(got.p[0].entries, 1);
	assert_int_equal(got.p[0].spent[category("staff")], 100);
	assert_int_equal(got.p[0].budget[category("staff")], 0);

	assert_string_equal(got.id[1], "p1");
	assert_string_equal(got.space[1], "common");
	assert_string_equal(got.title[1], "兰园社区项目");
	assert_int_equal(got.p[1].budget[services], 1000000);
	assert_int_equal(got.p[1].budget[training], 0);
	assert_int_equal(got.p[1].spent[services], 900000);
	assert_int_equal(got.p[1].spent[training], 0); /* reversed */
	assert_int_equal(got.p[1].disbursed, 400000);  /* d1 alone: d2 reversed */
	assert_int_equal(got.p[1].entries, 7);
}

static int stop_at_first_project(const sanshe_rules_project *p, void *payload)
{
	(void)p;
	++*(int *)payload;
	return 42;
}

static void projects_stop_when_the_callback_says(void **state)
{
	sanshe_rules *rules = start();
	findings f;
	int calls = 0;

	(void)state;
	project(rules, "");
	add(rules, "{'type':'project','id':'p2'}");
	memset(&f, 0, sizeof(f));
	assert_int_equal(sanshe_rules_finish(rules, collect, &f), 0);
	assert_int_equal(sanshe_rules_projects(rules, stop_at_first_project, &calls), 42);
	assert_int_equal(calls, 1);
	sanshe_rules_free(rules);
}

static void yuan_have_two_decimals_and_thousands_separated(void **state)
{
	char out[SANSHE_RULES_YUAN_SIZE];

	(void)state;
	sanshe_rules_yuan(out, 0);
	assert_string_equal(out, "0.00");
	sanshe_rules_yuan(out, 5);
	assert_string_equal(out, "0.05");
	sanshe_rules_yuan(out, 100000);
	assert_string_equal(out, "1,000.00");
	sanshe_rules_yuan(out, 30000000);
	assert_string_equal(out, "300,000.00");
	sanshe_rules_yuan(out, 123456789);
	assert_string_equal(out, "1,234,567.89");
	sanshe_rules_yuan(out, UINT64_MAX);
	assert_string_equal(out, "184,467,440,737,095,516.15");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exactly_the_budget_is_fine_a_fen_more_is_not),
	    cmocka_unit_test(spent_beyond_the_budget_names_the_figures),
	    cmocka_unit_test(a_reversal_brings_spending_back_under),
	    cmocka_unit_test(two_reversals_of_one_entry_cancel_it_once),
	    cmocka_unit_test(a_reversal_of_a_reversal_cancels_nothing),
	    cmocka_unit_test(a_reversal_naming_nothing_is_reported),
	    cmocka_unit_test(entries_naming_no_project_are_reported_once),
	    cmocka_unit_test(second_tranche_before_a_passed_final_evaluation),
	    cmocka_unit_test(final_evaluation_passed_on_or_before_the_day),
	    cmocka_unit_test(a_reversed_disbursement_is_not_paid),
	    cmocka_unit_test(a_tranche_the_project_marks_paid_too_early),
	    cmocka_unit_test(case_closed_with_open_referrals),
	    cmocka_unit_test(many_open_referrals_are_counted),
	    cmocka_unit_test(same_findings_in_any_order),
	    cmocka_unit_test(documents_that_make_no_sense_are_skipped),
	    cmocka_unit_test(evaluated_once_only),
	    cmocka_unit_test(the_callback_can_stop),
	    cmocka_unit_test(projects_give_budget_spent_and_disbursed_net_of_reversals),
	    cmocka_unit_test(projects_stop_when_the_callback_says),
	    cmocka_unit_test(yuan_have_two_decimals_and_thousands_separated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
