/*
 * The HTML report of sanshe verify: values from the repository are
 * escaped (markup, quotes, control characters, broken UTF-8), the summary
 * sentence, and a project's category over its budget said in words.
 */
#include "testutil.h"

#include <string.h>

#include "json.h"
#include "verify_html.h"

static void assert_escapes(const char *in, const char *want)
{
	sanshe_buf out = SANSHE_BUF_INIT;

	assert_int_equal(cli_html_escape(&out, in), 0);
	assert_string_equal(out.ptr ? out.ptr : "", want);
	sanshe_buf_dispose(&out);
}

static void markup_and_quotes_are_escaped(void **state)
{
	(void)state;
	assert_escapes("", "");
	assert_escapes("<a href=\"x\" title='y'>&amp;</a>",
		       "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
	assert_escapes("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	assert_escapes("同心社工 ¥1,000", "同心社工 ¥1,000");
}

static void controls_and_broken_utf8_are_replaced(void **state)
{
	(void)state;
	assert_escapes("a\x01" "b\x7f" "c\td\n", "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\td\n");
	assert_escapes("\xC2\x85", "\xEF\xBF\xBD");               /* C1 control */
	assert_escapes("x\xff" "y", "x\xEF\xBF\xBD" "y");         /* not UTF-8 */
	assert_escapes("\xE5\x90", "\xEF\xBF\xBD\xEF\xBF\xBD");   /* cut short */
	assert_escapes("\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* surrogate */
}

static cJSON *parse(const char *json)
{
	cJSON *doc = NULL;

	assert_int_equal(sanshe_json_parse(&doc, json, strlen(json), "test", NULL), 0);
	return doc;
}

static void the_summary_sentence(void **state)
{
	cJSON *summary = parse("{\"spaces\":3,\"commits\":120,\"merges\":4,\"versions\":310,"
			       "\"signatures\":290,\"findings\":0}");
	sanshe_buf out = SANSHE_BUF_INIT;

	(void)state;
	assert_int_equal(cli_verify_summary(&out, summary, 0), 0);
	assert_string_equal(out.ptr, "verified 120 commits (4 merges recomputed), 310 document "
				     "versions, 290 signatures in 3 spaces: no findings");
	cJSON_SetNumberValue(cJSON_GetObjectItem(summary, "findings"), 1);
	sanshe_buf_clear(&out);
	assert_int_equal(cli_verify_summary(&out, summary, 1), 0);
	assert_non_null(strstr(out.ptr, "Verified 120 commits"));
	assert_non_null(strstr(out.ptr, ": 1 finding"));
	sanshe_buf_dispose(&out);
	cJSON_Delete(summary);
}

static void a_hostile_report_puts_no_markup_in_the_page(void **state)
{
	cJSON *report = parse(
	    "{\"summary\":{\"spaces\":1,\"commits\":2,\"merges\":0,\"versions\":3,"
	    "\"signatures\":2,\"findings\":1},"
	    "\"findings\":[{\"rule\":\"<i>r</i>\",\"space\":\"common\",\"commit\":null,"
	    "\"type\":\"project\",\"id\":\"<img src=x onerror=alert(1)>\",\"signer\":null,"
	    "\"signer_name\":\"<b>Wang</b>\",\"at\":null,\"message\":\"<script>x</script>\"}],"
	    "\"projects\":[{\"space\":\"common\",\"id\":\"p1\",\"title\":\"</h3><script>\","
	    "\"budget\":{\"staff\":100,\"services\":1000000,\"training\":0,"
	    "\"evaluation_audit\":0,\"administration\":0},"
	    "\"spent\":{\"staff\":0,\"services\":1234567,\"training\":0,"
	    "\"evaluation_audit\":0,\"administration\":0},\"disbursed\":600000,\"entries\":3}]}");
	sanshe_buf out = SANSHE_BUF_INIT;

	(void)state;
	assert_int_equal(cli_verify_html(&out, report, "/srv/<node>", "2023-09-30 10:00"), 0);
	assert_null(strstr(out.ptr, "<script"));
	assert_null(strstr(out.ptr, "<img"));
	assert_null(strstr(out.ptr, "<b>"));
	assert_null(strstr(out.ptr, "<i>"));
	assert_non_null(strstr(out.ptr, "&lt;script&gt;x&lt;/script&gt;"));
	assert_non_null(strstr(out.ptr, "/srv/&lt;node&gt;"));
	assert_non_null(strstr(out.ptr, "<p id=\"summary\" class=\"findings\">Verified 2 commits"));
	assert_non_null(strstr(out.ptr, "<tr class=\"category over\"><td>services</td>"
					"<td class=\"num\">10,000.00</td>"
					"<td class=\"num\">12,345.67</td>"));
	assert_non_null(strstr(out.ptr, "<td class=\"num\">123.5%</td><td>OVER BUDGET by 2,345.67 yuan"));
	assert_non_null(strstr(out.ptr, "<tr class=\"total over\"><td>total</td>"));
	assert_non_null(strstr(out.ptr, "6,000.00 yuan"));
	assert_null(strstr(out.ptr, "http"));
	sanshe_buf_dispose(&out);
	cJSON_Delete(report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(markup_and_quotes_are_escaped),
	    cmocka_unit_test(controls_and_broken_utf8_are_replaced),
	    cmocka_unit_test(the_summary_sentence),
	    cmocka_unit_test(a_hostile_report_puts_no_markup_in_the_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
