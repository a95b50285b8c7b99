/* SPDX-License-Identifier: MIT */
/* Validation against the service model: every rule, table-driven, with field paths. */
#include <cjson/cJSON.h>

#include "appmesh/appmesh.h"
#include "harness.h"
#include "opjson.h"
#include "validate.h"

struct vcase {
    const char *op;
    const char *input; /* JSON text (parsed as the C entry point does: longs exact) */
    int list_base;
    enum appmesh_status want;
    const char *field;   /* expected err.field when want != OK */
    const char *message; /* a substring of err.message */
};

/* A route spec for CreateRoute, with `match` spliced in. */
#define ROUTE(spec)                                                                                \
    "{\"meshName\":\"m\",\"virtualRouterName\":\"r\",\"routeName\":\"x\",\"spec\":" spec "}"
#define HTTP_ROUTE(match)                                                                          \
    ROUTE("{\"httpRoute\":{\"action\":{\"weightedTargets\":[{\"virtualNode\":\"n\",\"weight\":1}"  \
          "]},\"match\":" match "}}")
#define NODE(spec) "{\"meshName\":\"m\",\"virtualNodeName\":\"n\",\"spec\":" spec "}"
#define CLOUD_MAP(attrs)                                                                           \
    NODE("{\"serviceDiscovery\":{\"awsCloudMap\":{\"namespaceName\":\"ns\",\"serviceName\":\"s\"," \
         "\"attributes\":[" attrs "]}}}")
#define LISTENER(port)                                                                             \
    NODE("{\"listeners\":[{\"portMapping\":{\"port\":80,\"protocol\":\"http\"}},{\"portMapping\":" \
         "{\"port\":" port ",\"protocol\":\"http\"}}]}")
#define HEALTH(interval)                                                                           \
    NODE("{\"listeners\":[{\"portMapping\":{\"port\":80,\"protocol\":\"http\"},\"healthCheck\":{"  \
         "\"healthyThreshold\":2,\"unhealthyThreshold\":2,\"intervalMillis\":" interval ","        \
         "\"timeoutMillis\":2000,\"protocol\":\"http\"}}]}")
#define DURATION(value)                                                                            \
    ROUTE("{\"httpRoute\":{\"action\":{\"weightedTargets\":[{\"virtualNode\":\"n\",\"weight\":1}"  \
          "]},\"match\":{\"prefix\":\"/\"},\"timeout\":{\"idle\":{\"unit\":\"s\",\"value\":" value \
          "}}}}")
#define HEADER "{\"name\":\"h\"}"
#define HEADERS10                                                                                  \
    HEADER "," HEADER "," HEADER "," HEADER "," HEADER "," HEADER "," HEADER "," HEADER "," HEADER \
           "," HEADER

static const struct vcase cases_table[] = {
    /* accepted */
    {"CreateMesh", "{\"meshName\":\"m\"}", 0, APPMESH_OK, NULL, NULL},
    {"create_mesh", "{}", 0, APPMESH_ERR_VALIDATION, "meshName", "meshName is required"},
    {"ListMeshes", "{}", 0, APPMESH_OK, NULL, NULL},
    {"CreateRoute", HTTP_ROUTE("{\"prefix\":\"/\",\"headers\":[" HEADERS10 "]}"), 0, APPMESH_OK,
     NULL, NULL},
    /* required members, at any depth */
    {"CreateRoute", "{\"meshName\":\"m\",\"virtualRouterName\":\"r\",\"routeName\":\"x\"}", 0,
     APPMESH_ERR_VALIDATION, "spec", "spec is required"},
    {"CreateRoute", ROUTE("{\"httpRoute\":{\"match\":{\"prefix\":\"/\"}}}"), 0,
     APPMESH_ERR_VALIDATION, "spec.httpRoute.action", "spec.httpRoute.action is required"},
    /* types */
    {"CreateMesh", "{\"meshName\":5}", 0, APPMESH_ERR_VALIDATION, "meshName",
     "meshName must be a string, got a number"},
    {"CreateMesh", "{\"meshName\":null}", 0, APPMESH_ERR_VALIDATION, "meshName",
     "must be a string, got null"},
    {"CreateMesh", "{\"meshName\":\"m\",\"spec\":[]}", 0, APPMESH_ERR_VALIDATION, "spec",
     "spec must be an object, got a list"},
    {"CreateMesh", "{\"meshName\":\"m\",\"tags\":{}}", 0, APPMESH_ERR_VALIDATION, "tags",
     "tags must be a list, got an object"},
    {"CreateMesh", "[]", 0, APPMESH_ERR_VALIDATION, "input", "must be an object"},
    {"ListMeshes", "{\"limit\":\"10\"}", 0, APPMESH_ERR_VALIDATION, "limit",
     "limit must be an integer, got a string"},
    {"ListMeshes", "{\"limit\":1.5}", 0, APPMESH_ERR_VALIDATION, "limit",
     "limit must be an integer"},
    {"CreateRoute", HTTP_ROUTE("{\"prefix\":\"/\",\"headers\":[{\"name\":\"h\",\"invert\":1}]}"), 0,
     APPMESH_ERR_VALIDATION, "spec.httpRoute.match.headers[0].invert",
     "must be a boolean, got a number"},
    /* string lengths, in characters */
    {"CreateMesh", "{\"meshName\":\"\"}", 0, APPMESH_ERR_VALIDATION, "meshName",
     "meshName must be 1 to 255 characters, got 0"},
    {"CreateMesh", "{\"meshName\":\"m\",\"tags\":[{\"key\":\"k\",\"value\":\"\"}]}", 0, APPMESH_OK,
     NULL, NULL},
    /* enums */
    {"CreateMesh", "{\"meshName\":\"m\",\"spec\":{\"egressFilter\":{\"type\":\"DENY\"}}}", 0,
     APPMESH_ERR_VALIDATION, "spec.egressFilter.type",
     "spec.egressFilter.type must be one of ALLOW_ALL, DROP_ALL, got \"DENY\""},
    {"CreateMesh", "{\"meshName\":\"m\",\"spec\":{\"egressFilter\":{\"type\":\"ALLOW_ALL\"}}}", 0,
     APPMESH_OK, NULL, NULL},
    /* the two patterns */
    {"CreateVirtualNode", CLOUD_MAP("{\"key\":\"a b\",\"value\":\"v\"}"), 0, APPMESH_ERR_VALIDATION,
     "spec.serviceDiscovery.awsCloudMap.attributes[0].key",
     "does not match the pattern ^[a-zA-Z0-9!-~]+$"},
    {"CreateVirtualNode", CLOUD_MAP("{\"key\":\"k\",\"value\":\" v\"}"), 1, APPMESH_ERR_VALIDATION,
     "spec.serviceDiscovery.awsCloudMap.attributes[1].value", "does not match the pattern"},
    {"CreateVirtualNode", CLOUD_MAP("{\"key\":\"k!~\",\"value\":\"v w \"}"), 0, APPMESH_OK, NULL,
     NULL},
    /* integer ranges, list positions from list_base */
    {"CreateVirtualNode", LISTENER("0"), 1, APPMESH_ERR_VALIDATION,
     "spec.listeners[2].portMapping.port", "spec.listeners[2].portMapping.port must be 1 to 65535"},
    {"CreateVirtualNode", LISTENER("65536"), 0, APPMESH_ERR_VALIDATION,
     "spec.listeners[1].portMapping.port", "got 65536"},
    {"ListMeshes", "{\"limit\":4294967297}", 0, APPMESH_ERR_VALIDATION, "limit",
     "limit must be 1 to 100, got 4294967297"},
    {"ListMeshes", "{\"limit\":100}", 0, APPMESH_OK, NULL, NULL},
    /* long ranges, exactly */
    {"CreateVirtualNode", HEALTH("4999"), 0, APPMESH_ERR_VALIDATION,
     "spec.listeners[0].healthCheck.intervalMillis", "must be 5000 to 300000, got 4999"},
    {"CreateVirtualNode", HEALTH("300000"), 0, APPMESH_OK, NULL, NULL},
    {"CreateRoute", DURATION("9223372036854775807"), 0, APPMESH_OK, NULL, NULL},
    {"CreateRoute", DURATION("9223372036854775808"), 0, APPMESH_ERR_VALIDATION,
     "spec.httpRoute.timeout.idle.value", "is out of range"},
    {"CreateRoute", DURATION("-1"), 0, APPMESH_ERR_VALIDATION, "spec.httpRoute.timeout.idle.value",
     "must be at least 0, got -1"},
    /* list sizes */
    {"CreateRoute", HTTP_ROUTE("{\"prefix\":\"/\",\"headers\":[" HEADERS10 "," HEADER "]}"), 0,
     APPMESH_ERR_VALIDATION, "spec.httpRoute.match.headers", "must have 1 to 10 items, got 11"},
    {"CreateRoute", HTTP_ROUTE("{\"prefix\":\"/\",\"headers\":[]}"), 0, APPMESH_ERR_VALIDATION,
     "spec.httpRoute.match.headers", "got 0"},
    /* unions: exactly one member */
    {"UpdateVirtualService",
     "{\"meshName\":\"m\",\"virtualServiceName\":\"s\",\"spec\":{\"provider\":{}}}", 0,
     APPMESH_ERR_VALIDATION, "spec.provider",
     "spec.provider must have exactly one member set (one of: virtualNode, virtualRouter), got "
     "none; to set none, leave spec.provider out"},
    {"UpdateVirtualService",
     "{\"meshName\":\"m\",\"virtualServiceName\":\"s\",\"spec\":{\"provider\":{\"virtualNode\":{"
     "\"virtualNodeName\":\"n\"},\"virtualRouter\":{\"virtualRouterName\":\"r\"}}}}",
     0, APPMESH_ERR_VALIDATION, "spec.provider", "got 2 (virtualNode, virtualRouter)"},
    {"UpdateVirtualService", "{\"meshName\":\"m\",\"virtualServiceName\":\"s\",\"spec\":{}}", 0,
     APPMESH_OK, NULL, NULL},
    /* unknown and repeated keys */
    {"CreateMesh", "{\"meshName\":\"m\",\"bogus\":1}", 0, APPMESH_ERR_VALIDATION, "bogus",
     "bogus is not a member of CreateMeshInput (known: clientToken, meshName, spec, tags)"},
    {"CreateMesh", "{\"meshName\":\"m\",\"spec\":{\"egressfilter\":{}}}", 0, APPMESH_ERR_VALIDATION,
     "spec.egressfilter", "(known: egressFilter, serviceDiscovery)"},
    {"CreateMesh", "{\"meshName\":\"a\",\"meshName\":\"b\"}", 0, APPMESH_ERR_VALIDATION, "meshName",
     "meshName is given twice"},
    /* first error wins: the first bad member in the input's order */
    {"CreateMesh", "{\"meshName\":\"\",\"bogus\":1}", 0, APPMESH_ERR_VALIDATION, "meshName",
     "meshName must be 1 to 255 characters"},
};

static int validates_every_rule_of_the_model(void)
{
    size_t i = 0;
    for (i = 0; i < sizeof(cases_table) / sizeof(cases_table[0]); i++) {
        const struct vcase *c = &cases_table[i];
        const struct am_operation *op = am_operation_find(c->op);
        struct appmesh_error err = {0};
        cJSON *input = cJSON_Parse(c->input);
        enum appmesh_status st = APPMESH_OK;
        char label[64];

        snprintf(label, sizeof(label), "case %zu (%s)", i, c->op);
        CHECK(op != NULL && input != NULL, label);
        /* Longs beyond 2^53 come from the text, as the C JSON entry point reads them. */
        if (cJSON_IsObject(input)) {
            cJSON_Delete(input);
            CHECK_OK(am_opjson_parse_input(op, c->input, strlen(c->input), &input, &err), &err);
        }
        st = am_validate_input(op, input, c->list_base, &err);
        cJSON_Delete(input);
        if (st != c->want) {
            fprintf(stderr, "  %s: got %s (%s), want %s\n", label, appmesh_status_name(st),
                    err.message, appmesh_status_name(c->want));
            return 1;
        }
        if (c->want != APPMESH_OK) {
            CHECK_STR_EQ(err.field, c->field);
            if (strstr(err.message, c->message) == NULL) {
                fprintf(stderr, "  %s: message \"%s\" lacks \"%s\"\n", label, err.message,
                        c->message);
                return 1;
            }
        }
    }
    return 0;
}

/* Lengths are characters: 255 two-byte characters fit a 255-character name, 256 do not. */
static int counts_string_lengths_in_utf8_characters(void)
{
    const struct am_operation *op = am_operation_find("CreateMesh");
    struct appmesh_error err = {0};
    char name[2 * 256 + 1];
    cJSON *input = NULL;
    size_t i = 0;

    for (i = 0; i < 256; i++) {
        memcpy(name + 2 * i, "\xC3\xA9", 2);
    }
    name[2 * 255] = '\0';
    input = cJSON_CreateObject();
    CHECK(cJSON_AddStringToObject(input, "meshName", name) != NULL, "input");
    CHECK_OK(am_validate_input(op, input, 0, &err), &err);
    cJSON_Delete(input);

    memcpy(name + 2 * 255, "\xC3\xA9", 2);
    name[2 * 256] = '\0';
    input = cJSON_CreateObject();
    CHECK(cJSON_AddStringToObject(input, "meshName", name) != NULL, "input");
    CHECK_STATUS(am_validate_input(op, input, 0, &err), APPMESH_ERR_VALIDATION, &err);
    CHECK(strstr(err.message, "must be 1 to 255 characters, got 256") != NULL, err.message);
    cJSON_Delete(input);
    return 0;
}

static int refuses_invalid_utf8(void)
{
    static const char *const bad[] = {"\xFF", "a\xC3", "\xED\xA0\x80", "\xC0\xAF"};
    const struct am_operation *op = am_operation_find("CreateMesh");
    size_t i = 0;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct appmesh_error err = {0};
        cJSON *input = cJSON_CreateObject();
        CHECK(cJSON_AddStringToObject(input, "meshName", bad[i]) != NULL, "input");
        CHECK_STATUS(am_validate_input(op, input, 0, &err), APPMESH_ERR_VALIDATION, &err);
        CHECK_STR_EQ(err.field, "meshName");
        CHECK_STR_EQ(err.message, "meshName is not valid UTF-8");
        cJSON_Delete(input);
    }
    return 0;
}

/* The Lua binding gives integers beyond 2^53 as cJSON_Raw decimal text. */
static int reads_raw_longs_exactly(void)
{
    static const struct {
        const char *text;
        enum appmesh_status want;
    } raws[] = {
        {"9007199254740993", APPMESH_OK}, {"-1", APPMESH_ERR_VALIDATION},
        {"12a", APPMESH_ERR_VALIDATION},  {"", APPMESH_ERR_VALIDATION},
        {"1e3", APPMESH_ERR_VALIDATION},  {"99999999999999999999", APPMESH_ERR_VALIDATION},
    };
    const struct am_operation *op = am_operation_find("CreateRoute");
    size_t i = 0;

    for (i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
        struct appmesh_error err = {0};
        const char *text = DURATION("1");
        cJSON *input = cJSON_Parse(text);
        cJSON *idle = cJSON_GetObjectItem(
            cJSON_GetObjectItem(
                cJSON_GetObjectItem(
                    cJSON_GetObjectItem(cJSON_GetObjectItem(input, "spec"), "httpRoute"),
                    "timeout"),
                "idle"),
            "unit");
        CHECK(idle != NULL, "path");
        idle = cJSON_GetObjectItem(
            cJSON_GetObjectItem(
                cJSON_GetObjectItem(cJSON_GetObjectItem(input, "spec"), "httpRoute"), "timeout"),
            "idle");
        CHECK(cJSON_ReplaceItemInObject(idle, "value", cJSON_CreateRaw(raws[i].text)), "raw");
        CHECK_STATUS(am_validate_input(op, input, 0, &err), raws[i].want, &err);
        if (raws[i].want != APPMESH_OK) {
            CHECK_STR_EQ(err.field, "spec.httpRoute.timeout.idle.value");
        }
        cJSON_Delete(input);
    }
    return 0;
}

static const struct test_case cases[] = {
    {"validates_every_rule_of_the_model", validates_every_rule_of_the_model},
    {"counts_string_lengths_in_utf8_characters", counts_string_lengths_in_utf8_characters},
    {"refuses_invalid_utf8", refuses_invalid_utf8},
    {"reads_raw_longs_exactly", reads_raw_longs_exactly},
};

TEST_MAIN("validate", cases)
