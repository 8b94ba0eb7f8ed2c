/* lib/cmdline.c: options, apps, arguments, separators, quotes, limits. */
#include <string.h>

#include "tests/unit/check.h"
#include "lib/cmdline.h"

static struct command_line cl;
static char buf[1024], err[128];

static int parse(const char *s)
{
    strcpy(buf, s);
    err[0] = '\0';
    return cmdline_parse(buf, &cl, err, sizeof(err));
}

static void test_one_app_with_args(void)
{
    CHECK_EQ(parse("memtest 16 extra"), 0);
    CHECK_EQ(cl.option_count, 0);
    CHECK_EQ(cl.count, 1);
    CHECK_EQ(cl.apps[0].argc, 3);
    CHECK(strcmp(cl.apps[0].argv[0], "memtest") == 0 && strcmp(cl.apps[0].argv[2], "extra") == 0, "argv");
    CHECK(cl.apps[0].argv[3] == NULL, "argv is NULL-terminated");
}

static void test_options_then_apps_separated(void)
{
    CHECK_EQ(parse("  --debug-exit --quiet hello ; memtest 1;help;  crash  null "), 0);
    CHECK_EQ(cl.option_count, 2);
    CHECK(strcmp(cl.options[1], "--quiet") == 0, "option 2 is %s", cl.options[1]);
    CHECK_EQ(cl.count, 4);
    CHECK_EQ(cl.apps[0].argc, 1);
    CHECK_EQ(cl.apps[1].argc, 2);
    CHECK(strcmp(cl.apps[1].argv[1], "1") == 0, "memtest's argument is %s", cl.apps[1].argv[1]);
    CHECK(strcmp(cl.apps[2].argv[0], "help") == 0, "third app is %s", cl.apps[2].argv[0]);
    CHECK_EQ(cl.apps[3].argc, 2);
}

static void test_options_only_before_the_first_app(void)
{
    CHECK_EQ(parse("hello --debug-exit"), 0);
    CHECK_EQ(cl.option_count, 0);
    CHECK_EQ(cl.apps[0].argc, 2);   /* the app's own argument */
}

static void test_quotes_hold_blanks(void)
{
    CHECK_EQ(parse("echo \"a b;c\" d\"e f\""), 0);
    CHECK_EQ(cl.count, 1);
    CHECK_EQ(cl.apps[0].argc, 3);
    CHECK(strcmp(cl.apps[0].argv[1], "a b;c") == 0, "got %s", cl.apps[0].argv[1]);
    CHECK(strcmp(cl.apps[0].argv[2], "de f") == 0, "got %s", cl.apps[0].argv[2]);
}

static void test_empty_and_blank(void)
{
    CHECK_EQ(parse(""), 0);
    CHECK_EQ(cl.count, 0);
    CHECK_EQ(parse("  ;  ; "), 0);
    CHECK_EQ(cl.count, 0);
    CHECK_EQ(parse("--quiet"), 0);
    CHECK_EQ(cl.count, 0);
    CHECK_EQ(cl.option_count, 1);
}

static void test_errors(void)
{
    CHECK_EQ(parse("hello \"open"), -1);
    CHECK(strstr(err, "quote") != NULL, "message: %s", err);

    char many[1024] = "app";
    for (int i = 0; i < CMDLINE_MAX_ARGS; i++)
        strcat(many, " x");
    CHECK_EQ(parse(many), -1);
    CHECK(strstr(err, "arguments") != NULL, "message: %s", err);

    char apps[1024] = "";
    for (int i = 0; i <= CMDLINE_MAX_INVOCATIONS; i++)
        strcat(apps, "a;");
    CHECK_EQ(parse(apps), -1);
    CHECK(strstr(err, "apps") != NULL, "message: %s", err);
}

static void test_has_option(void)
{
    const char *line = "--quiet --hvsim echo 10 --hvsim ; hello";
    CHECK_EQ(cmdline_has_option(line, "--hvsim"), 1);
    CHECK_EQ(cmdline_has_option(line, "--quiet"), 1);
    CHECK_EQ(cmdline_has_option(line, "--debug-exit"), 0);
    CHECK_EQ(cmdline_has_option("echo --hvsim", "--hvsim"), 0);   /* an app's argument, not an option */
    CHECK_EQ(cmdline_has_option("--hvsim hello \"open", "--hvsim"), 1);   /* still there before the error */
    CHECK_EQ(cmdline_has_option("", "--hvsim"), 0);
    CHECK(strcmp(line, "--quiet --hvsim echo 10 --hvsim ; hello") == 0, "the command line was changed");
}

int main(void)
{
    RUN_TEST(test_one_app_with_args);
    RUN_TEST(test_options_then_apps_separated);
    RUN_TEST(test_options_only_before_the_first_app);
    RUN_TEST(test_quotes_hold_blanks);
    RUN_TEST(test_empty_and_blank);
    RUN_TEST(test_errors);
    RUN_TEST(test_has_option);
    return check_summary();
}
