/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * How the Require lines of nested sections combine (mod_authz_core's
 * AuthMerging), and Require cognito-policy for some methods only.
 *
 * With "AuthMerging Or", a section's Require lines and those of the
 * section enclosing it are alternatives: the inner section's
 * "Require valid-user" granted a request that the outer section's
 * "Require cognito-policy" had denied.  A policy decision must never be
 * dropped that way, so where the Require lines in effect combine sections
 * with Or, the policy in effect is decided by the authentication step and
 * a denial is final, whatever the Require lines say.  Within one section
 * (and with AuthMerging And, where every section's lines must pass),
 * <RequireAny> and <RequireAll> keep their meaning.
 *
 * mod_authz_core keeps its configuration to itself, so the module reads
 * the two directives that decide the merging as well: AuthMerging and
 * Require are declared here too, with mod_authz_core's context.  httpd
 * hands a directive to every module declaring it (ap_walk_config_sub());
 * these handlers only take note, and mod_authz_core does the rest.
 * mci_merging_merge() then does what merge_authz_core_dir_config() does
 * with the sections' Require lines.
 */

#include "mod_cognito_identity.h"


/*
 * Without mod_authz_core these lines would be noted here and enforced
 * nowhere: refused as httpd would refuse them (Invalid command).
 */

static const char *
mci_merging_authz_core(cmd_parms *cmd)
{
    if (ap_find_linked_module("mod_authz_core.c") != NULL) {
        return NULL;
    }

    return apr_psprintf(cmd->pool, "%s needs mod_authz_core: load it "
                        "(LoadModule authz_core_module ...)", cmd->cmd->name);
}


const char *
mci_merging_cmd(cmd_parms *cmd, void *mconfig, const char *arg)
{
    mci_dir_conf_t  *conf = mconfig;

    const char  *err;

    err = mci_merging_authz_core(cmd);
    if (err != NULL) {
        return err;
    }

    if (strcasecmp(arg, "Or") == 0) {
        conf->merging = MCI_MERGE_OR;

    } else if (strcasecmp(arg, "And") == 0) {
        conf->merging = MCI_MERGE_AND;

    } else if (strcasecmp(arg, "Off") == 0) {
        conf->merging = MCI_MERGE_OFF;
    }

    /* anything else: mod_authz_core says what is wrong */

    return NULL;
}


const char *
mci_merging_require_cmd(cmd_parms *cmd, void *mconfig, const char *args)
{
    mci_dir_conf_t  *conf = mconfig;

    const char  *err;

    err = mci_merging_authz_core(cmd);
    if (err != NULL) {
        return err;
    }

    conf->require_any = 1;

    return NULL;
}


/*
 * add may itself be a merge: httpd merges the <Location> sections that
 * apply among themselves first, then the result onto the <Directory> ones,
 * so an inner <Location> with AuthMerging Or makes the outer <Location>'s
 * lines an alternative to the <Directory> ones too (e.g. to
 * "Require all granted"): merging is kept as mod_authz_core keeps op.
 */

void
mci_merging_merge(mci_dir_conf_t *c, const mci_dir_conf_t *base,
    const mci_dir_conf_t *add)
{
    if (add->merging == MCI_UNSET && !add->require_any && base->require_any)
    {
        /* no lines of its own: the enclosing section's apply as they are */
        c->merging = base->merging;
        c->require_any = 1;
        c->require_or = base->require_or;

    } else if (add->merging == MCI_UNSET || add->merging == MCI_MERGE_OFF
               || !(base->require_any || add->require_any))
    {
        /* its own lines replace the enclosing section's */
        c->merging = add->merging;
        c->require_any = add->require_any;
        c->require_or = add->require_or;

    } else {
        c->merging = add->merging;
        c->require_any = 1;
        c->require_or = (base->require_any && base->require_or)
                        || (add->require_any && add->require_or)
                        || (base->require_any && add->require_any
                            && add->merging == MCI_MERGE_OR);
    }
}


/*
 * Where the lines combine sections with Or, one of them may grant without
 * a user (Require all granted, Require ip, ...), and httpd would then skip
 * the authentication step, and with it the policy: the token and the
 * policy are required all the same (a CORS preflight that
 * CognitoIdentityCORSPreflight let in excepted).
 */

int
mci_merging_force_authn(request_rec *r)
{
    const char            *type;
    const mci_dir_conf_t  *conf;

    type = ap_auth_type(r);

    if (type == NULL || strcasecmp(type, MCI_AUTH_TYPE) != 0) {
        return DECLINED;
    }

    conf = mci_dir_conf(r);

    if (!conf->require_or || !mci_policy_configured(conf)
        || apr_table_get(r->notes, MCI_NOTE_PREFLIGHT) != NULL)
    {
        return DECLINED;
    }

    return OK;
}


/*
 * "Require cognito-policy" inside <Limit> or <LimitExcept> governs those
 * methods only, and httpd lets every other method in without a token where
 * no other Require line covers it.  The policy decides per method itself
 * (s3:GetObject or s3:PutObject, execute-api:Invoke on METHOD/path), so
 * the line is refused there: methods that need no token are said so with
 * <RequireAny> and "Require method".  cmd->limited has every bit set
 * outside <Limit>, but the top one is cleared inside <Require*> blocks.
 */

const char *
mci_merging_limited(cmd_parms *cmd)
{
    apr_uint64_t  limited;

    limited = (apr_uint64_t) cmd->limited
              | ((apr_uint64_t) 1 << (METHODS - 1));

    if (limited == ~(apr_uint64_t) 0) {
        return NULL;
    }

    return "Require cognito-policy inside <Limit> or <LimitExcept> would let "
           "the other methods in without the policy, and without a token; "
           "write it outside, and let methods in without a token with "
           "<RequireAny>, \"Require method ...\" and "
           "\"Require cognito-policy\"";
}
