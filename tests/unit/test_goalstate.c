/* The Azure goal-state parser and the health report (apps/azure/goalstate.c):
 * the three values out of a WireServer-shaped document, and everything
 * that is not one refused. */
#include <string.h>

#include "tests/unit/check.h"
#include "apps/azure/goalstate.h"

static const char doc[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<GoalState xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:noNamespaceSchemaLocation=\"goalstate10.xsd\">\n"
    "  <Version>2012-11-30</Version>\n  <Incarnation> 12 </Incarnation>\n"
    "  <Machine><ExpectedState>Started</ExpectedState></Machine>\n"
    "  <Container>\n    <ContainerId>c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2</ContainerId>\n"
    "    <RoleInstanceList>\n      <RoleInstance>\n"
    "        <InstanceId>c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2._web1</InstanceId>\n"
    "        <State>Started</State>\n      </RoleInstance>\n    </RoleInstanceList>\n  </Container>\n</GoalState>\n";

static int parse(const char *text, struct goal_state *gs) { return goal_state_parse(text, strlen(text), gs); }

static void test_values_read(void)
{
    struct goal_state gs;
    CHECK_EQ(parse(doc, &gs), 0);
    CHECK(strcmp(gs.incarnation, "12") == 0, "%s", gs.incarnation);
    CHECK(strcmp(gs.container_id, "c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2") == 0, "%s", gs.container_id);
    CHECK(strcmp(gs.instance_id, "c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2._web1") == 0, "%s", gs.instance_id);
    char bom[sizeof(doc) + 3] = "\xef\xbb\xbf";
    strcat(bom, doc);
    CHECK_EQ(parse(bom, &gs), 0);
}

static void test_health_report_body(void)
{
    struct goal_state gs;
    CHECK_EQ(parse(doc, &gs), 0);
    char body[1024];
    size_t n = health_report_ready(&gs, body, sizeof(body));
    CHECK(n > 0 && n == strlen(body), "a body");
    CHECK(strncmp(body, "<?xml version=\"1.0\" encoding=\"utf-8\"?>", 38) == 0, "the declaration first");
    const char *order[] = { "<Health ", "<GoalStateIncarnation>12</GoalStateIncarnation>", "<Container>",
                            "<ContainerId>c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2</ContainerId>", "<RoleInstanceList>",
                            "<Role>", "<InstanceId>c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2._web1</InstanceId>",
                            "<Health><State>Ready</State></Health>", "</Role>" };
    const char *at = body;
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *p = strstr(at, order[i]);
        CHECK(p != NULL, "%s, in order", order[i]);
        if (p != NULL)
            at = p;
    }
    char small[100];
    CHECK_EQ(health_report_ready(&gs, small, sizeof(small)), 0);
}

/* Replaces the first `what` in doc with `with` and expects a refusal. */
static void refused(const char *what, const char *with)
{
    char text[2048];
    const char *p = strstr(doc, what);
    CHECK(p != NULL, "%s in the document", what);
    if (p == NULL)
        return;
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - doc), doc, with, p + strlen(what));
    struct goal_state gs;
    CHECK(parse(text, &gs) == -1, "refused with %s -> %s", what, with);
}

static void test_bad_documents_refused(void)
{
    refused("<Incarnation> 12 </Incarnation>", "");
    refused("<Incarnation> 12 </Incarnation>", "<Incarnation></Incarnation>");
    refused("<Incarnation> 12 </Incarnation>", "<Incarnation>1<2</Incarnation>");
    refused("<Incarnation> 12 </Incarnation>", "<Incarnation>12345678901234567</Incarnation>");
    refused("<ContainerId>", "<ContainerId>&amp;");
    refused("<ContainerId>", "<ContainerId/><X>");
    refused("._web1", "._web1 <b>");
    refused("<RoleInstance>", "<RoleInstanceX>");
    refused("</GoalState>", "");
    refused("<GoalState ", "<GoalStateX ");
    struct goal_state gs;
    CHECK_EQ(goal_state_parse(doc, 40, &gs), -1);   /* cut short */
    CHECK_EQ(goal_state_parse("", 0, &gs), -1);
}

/* Values are found by their place: a ContainerId outside Container, or an
 * InstanceId outside RoleInstance, does not count. */
static void test_values_by_their_path(void)
{
    static const char misplaced[] =
        "<GoalState><Incarnation>1</Incarnation><ContainerId>x</ContainerId>"
        "<Container><RoleInstanceList><InstanceId>y</InstanceId></RoleInstanceList></Container></GoalState>";
    struct goal_state gs;
    CHECK_EQ(parse(misplaced, &gs), -1);
}

int main(void)
{
    RUN_TEST(test_values_read);
    RUN_TEST(test_health_report_body);
    RUN_TEST(test_bad_documents_refused);
    RUN_TEST(test_values_by_their_path);
    return check_summary();
}
