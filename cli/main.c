/*
 * sanshe [-C DIR] <command> [options] — the command table and the global
 * options, like git's.
 */
#include "cli.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_bundle(int argc, char **argv);
int cmd_canon(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_clone(int argc, char **argv);
int cmd_conflicts(int argc, char **argv);
int cmd_edit(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_member(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_org(int argc, char **argv);
int cmd_peer(int argc, char **argv);
int cmd_put(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);
int cmd_resolve(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_version(int argc, char **argv);

static const struct cli_command commands[] = {
	{ "bundle", cmd_bundle, N_("carry records on a file: a sealed bundle for a USB stick"),
	  N_("usage: sanshe bundle create -o FILE [--to WHO]... [--since PEER] [--space S]...\n"
	     "                            [--key NAME]\n"
	     "       sanshe bundle open FILE -o PLAIN [--key NAME]\n"
	     "       sanshe bundle apply FILE [--space S]... [--key NAME] [--quiet] [--json]\n"
	     "\n"
	     "A bundle is a sync written to a file, for offices that meet by USB\n"
	     "stick or weekly hand-off.  It is signed by you and encrypted so that\n"
	     "only the members it is for can open it.\n"
	     "\n"
	     "  create  write FILE with the spaces (the roster, common, the\n"
	     "          organizations') that every recipient may read; a space\n"
	     "          some recipient may not read is left out, and named.  WHO\n"
	     "          is a member id or an organization id (each of its members\n"
	     "          in good standing); without --to, every member of the\n"
	     "          federation in good standing.  With --since PEER, only\n"
	     "          what PEER (a peer's name, or the member id its bundles\n"
	     "          were applied under) has not already sent you: the bundle\n"
	     "          is smaller and needs what PEER has; when nothing is new,\n"
	     "          nothing is written.  --space S: only space S (repeatable).\n"
	     "  open    decrypt FILE with your key into PLAIN, a standard git\n"
	     "          bundle ('git bundle verify PLAIN' reads it), and name who\n"
	     "          sent it\n"
	     "  apply   the same as 'sanshe sync FILE': check that the sender is a\n"
	     "          member in good standing, then verify and merge each space\n"
	     "          the bundle carries that you may read, the roster first;\n"
	     "          history that fails is refused, history signed by a revoked\n"
	     "          key waits in quarantine.  Applying a bundle twice changes\n"
	     "          nothing.  --json: as 'sanshe sync --json'\n"
	     "\n"
	     "A damaged, cut short or forged file, one meant for other people, or\n"
	     "one from someone who is not a member in good standing is refused\n"
	     "with one line, and nothing changes.\n"
	     "\n"
	     "options:\n"
	     "  -o FILE       create: the sealed bundle to write; open: the plain one\n"
	     "  --to WHO      create: a member or an organization it is for (repeatable)\n"
	     "  --since PEER  create: leave out what PEER already sent you\n"
	     "  --space S     create, apply: only space S (repeatable)\n"
	     "  --key NAME    your key: it signs (create) and opens (open, apply)\n"
	     "  --quiet       apply: no progress on the terminal\n"
	     "\n"
	     "examples:\n"
	     "  sanshe bundle create -o /media/usb/to-huiming.sanshe --to huiming\n"
	     "  sanshe bundle create -o /media/usb/week-47.sanshe --since zhang-wei\n"
	     "  sanshe bundle open /media/usb/from-agency.sanshe -o agency.bundle\n"
	     "  sanshe bundle apply /media/usb/from-agency.sanshe\n") },
	{ "canon", cmd_canon, N_("print the canonical form (RFC 8785) of a JSON file"),
	  N_("usage: sanshe canon [FILE]\n"
	     "\n"
	     "Print the canonical form of FILE (standard input without FILE):\n"
	     "no whitespace, members sorted, numbers and strings written one way\n"
	     "only (RFC 8785).  Documents are stored and signed in this form.\n"
	     "Malformed JSON is refused with its line and column.\n"
	     "\n"
	     "example:\n"
	     "  sanshe canon schemas/examples/case.json\n") },
	{ "check", cmd_check, N_("verify a signed document: its signature and its schema"),
	  N_("usage: sanshe check FILE [--json]\n"
	     "\n"
	     "Verify the signed document in FILE: the signature in its _sig, made\n"
	     "by a key this home knows, over exactly these contents, and the\n"
	     "schema of its type.  Prints who signed it and when; a changed\n"
	     "document, an unknown key or a wrong field is refused with a message\n"
	     "naming the document, the key or the field.\n"
	     "\n"
	     "options:\n"
	     "  --json  print the findings as JSON: type, id, valid, violations,\n"
	     "          signature {valid, key, at or problem}\n"
	     "\n"
	     "example:\n"
	     "  sanshe check case.signed.json\n") },
	{ "clone", cmd_clone, N_("make a new node from an existing one, checking who founded it"),
	  N_("usage: sanshe clone PEER DIR --expect FINGERPRINT [--key NAME]\n"
	     "\n"
	     "Make a new node in DIR (which must not exist) from another node,\n"
	     "PEER: the path of its repository, or tcp://HOST:PORT of a node running\n"
	     "'sanshe serve'.  It is kept only when that node shows it was founded\n"
	     "by the key FINGERPRINT: the federation's founding admin gives it to\n"
	     "you out of band (on paper, by phone), so that a stranger's node is not\n"
	     "taken for the federation.  The new node takes the roster and the\n"
	     "common space, and the organizations' spaces that the member of your\n"
	     "key (--key, or the home's default) may read; every commit is verified\n"
	     "first.  From a folder only the key's public half is read, and a new\n"
	     "office becomes a writer once an admin adds its members.  Over the\n"
	     "network the key proves who you are, so an admin must have added it\n"
	     "already, and the serving node's key must be a member too.\n"
	     "\n"
	     "examples:\n"
	     "  sanshe clone /media/usb/agency street-office --expect SHA256:qZ4L…\n"
	     "  sanshe clone tcp://192.168.1.20:7150 street-office --expect SHA256:qZ4L…\n") },
	{ "conflicts", cmd_conflicts, N_("list the conflicts waiting to be settled"),
	  N_("usage: sanshe conflicts [<type>/<id>] [--space S] [--json]\n"
	     "\n"
	     "When two offices changed the same field of a record differently, sync\n"
	     "keeps one value in the record and records the other (with who wrote\n"
	     "it and when) in its _conflicts, until someone settles it with\n"
	     "'sanshe resolve'.  This lists them: of every document, of the\n"
	     "documents of space S, or of one document.  For each document, each\n"
	     "field (a JSON pointer such as /client/phone) with its options,\n"
	     "numbered for 'sanshe resolve --take N': [0] the value kept, [1]...\n"
	     "the other values, each with its author (a member of the roster, or\n"
	     "the key's fingerprint) and time.  \"(removed)\" stands for a field\n"
	     "that one side removed.  Prints \"no conflicts\" when there are none.\n"
	     "\n"
	     "options:\n"
	     "  --space S  only the documents of space S (trust, common or\n"
	     "             org/<org-id>)\n"
	     "  --json     print [{space, type, id, conflicts: [{path, kept: {value}\n"
	     "             or {removed: true}, others: [{option, value or removed,\n"
	     "             key, member, at}]}]}]\n"
	     "\n"
	     "examples:\n"
	     "  sanshe conflicts\n"
	     "  sanshe conflicts case/0183ca3d-eec0-7046-9e0c-55503fa5093f\n") },
	{ "edit", cmd_edit, N_("change a document in your editor, then sign and save it"),
	  N_("usage: sanshe edit <type>/<id> [--key NAME]\n"
	     "\n"
	     "Open the document in $VISUAL or $EDITOR (vi without them).  When you\n"
	     "save and quit, the changed document is checked against its schema,\n"
	     "signed with your key and saved in one commit.  If it is not valid,\n"
	     "the problems are shown, nothing is saved, and your edit is kept in\n"
	     "a file whose name is printed.\n"
	     "\n"
	     "example:\n"
	     "  sanshe edit case/0183ca3d-eec0-7046-9e0c-55503fa5093f\n") },
	{ "export", cmd_export, N_("write the allowed-signers file that lets git check commits"),
	  N_("usage: sanshe export allowed-signers [-o FILE]\n"
	     "\n"
	     "Write an OpenSSH allowed-signers file with the key of every member of\n"
	     "the roster (valid from when they joined, until a revocation), so that\n"
	     "stock git verifies every commit sanshe wrote.\n"
	     "\n"
	     "example:\n"
	     "  sanshe export allowed-signers -o signers\n"
	     "  git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=signers \\\n"
	     "      log --show-signature trust\n") },
	{ "get", cmd_get, N_("print a stored document"),
	  N_("usage: sanshe get <type>/<id> [--at REV] [--pretty]\n"
	     "\n"
	     "Print the document as stored (canonical JSON), or indented with\n"
	     "--pretty.  --at REV shows it as it was at a commit (an id from\n"
	     "'sanshe log', or anything git understands).\n"
	     "\n"
	     "example:\n"
	     "  sanshe get case/0183ca3d-eec0-7046-9e0c-55503fa5093f --pretty\n") },
	{ "help", cmd_help, N_("show help for sanshe or one of its commands"),
	  N_("usage: sanshe help [COMMAND]\n"
	     "\n"
	     "Show the list of commands, or the help of COMMAND.\n"
	     "\n"
	     "example:\n"
	     "  sanshe help sign\n") },
	{ "import", cmd_import, N_("write many documents from a JSON lines file in one commit"),
	  N_("usage: sanshe import FILE.jsonl [--key NAME]\n"
	     "\n"
	     "Each non-empty line of FILE is one record.  All are checked and\n"
	     "signed and written in one commit, or, if one line is wrong, none is\n"
	     "and the message names the line.  The documents of one import go to\n"
	     "one space.  A record replacing a stored document with conflicts keeps\n"
	     "them, as with 'sanshe put'.\n"
	     "\n"
	     "example:\n"
	     "  sanshe import visits-2023-03.jsonl\n") },
	{ "init", cmd_init, N_("found a node: its repository, spaces and trust roster"),
	  N_("usage: sanshe init DIR --org NAME --kind KIND --admin NAME [--key NAME]\n"
	     "                  [--org-id ID] [--role ROLE]...\n"
	     "\n"
	     "Make a new node repository in DIR with the spaces trust, common and\n"
	     "org/<org-id>, and in trust the organization and its first admin,\n"
	     "signed by the admin.  Without --key, a new key is made for the admin.\n"
	     "An admin writes the roster (org and member documents) only; --role\n"
	     "gives the founder other roles too, e.g. the social worker of a small\n"
	     "office (see 'sanshe help member' for what each role writes).\n"
	     "\n"
	     "kinds: agency, community, street-office, social-org, bureau\n"
	     "roles: social-worker, community-worker, coordinator, finance,\n"
	     "       supervisor, auditor\n"
	     "\n"
	     "examples:\n"
	     "  sanshe init tongxin --org 同心社工 --kind agency --admin 王丽\n"
	     "  sanshe init tongxin --org 同心社工 --kind agency --admin 王丽 \\\n"
	     "      --role social-worker\n") },
	{ "key", cmd_key, N_("make, list and show your signing keys"),
	  N_("usage: sanshe key new NAME [--json]\n"
	     "       sanshe key list [--json]\n"
	     "       sanshe key show [NAME] [--json]\n"
	     "       sanshe key default [NAME] [--json]\n"
	     "       sanshe key check [NAME] [--json]\n"
	     "\n"
	     "Each person (or node) signs what they record with an Ed25519 key.\n"
	     "Keys live in SANSHE_HOME/keys (default ~/.sanshe/keys), the secret\n"
	     "half encrypted under a passphrase: SANSHE_PASSPHRASE, or asked on\n"
	     "the terminal.  A NAME has up to 64 letters, digits, '.', '_' and\n"
	     "'-', and begins with a letter or digit.\n"
	     "\n"
	     "  new NAME        make a key and print its public key (OpenSSH form)\n"
	     "                  and fingerprint; the first key made is the default\n"
	     "  list            list the keys and fingerprints; '*' marks the default\n"
	     "  show [NAME]     print the public key and fingerprint of NAME (or of\n"
	     "                  the default key)\n"
	     "  default [NAME]  print the default key, or make NAME the default;\n"
	     "                  commands that sign use it when given no --key\n"
	     "  check [NAME]    check that the passphrase unlocks NAME (or the\n"
	     "                  default key)\n"
	     "\n"
	     "options:\n"
	     "  --json  print JSON instead of text\n"
	     "\n"
	     "environment:\n"
	     "  SANSHE_KDF  passphrase hashing cost for new keys: interactive,\n"
	     "              moderate (default) or sensitive\n"
	     "\n"
	     "examples:\n"
	     "  sanshe key new wang.li\n"
	     "  sanshe key list --json\n"
	     "  sanshe key show wang.li\n"
	     "  sanshe key default wang.li\n"
	     "  sanshe key check\n") },
	{ "log", cmd_log, N_("show who changed what, and when"),
	  N_("usage: sanshe log [<type>/<id>] [--space S] [--json]\n"
	     "\n"
	     "List the commits, newest first: commit, time, space, member and what\n"
	     "was done; of one document, or of one space, or of all.\n"
	     "\n"
	     "example:\n"
	     "  sanshe log case/0183ca3d-eec0-7046-9e0c-55503fa5093f\n") },
	{ "ls", cmd_ls, N_("list the documents"),
	  N_("usage: sanshe ls [TYPE] [--space S] [--json]\n"
	     "\n"
	     "List the documents as <type>/<id>, of every type or of TYPE, in every\n"
	     "space or in S (trust, common or org/<org-id>).\n"
	     "\n"
	     "example:\n"
	     "  sanshe ls case\n") },
	{ "member", cmd_member, N_("add, list and revoke the members of the trust roster"),
	  N_("usage: sanshe member add --name NAME --org ORG --role ROLE...\n"
	     "                         --public-key PUBKEY|FILE [--id ID]\n"
	     "                         [--kind person|device] [--valid-from UTC]\n"
	     "                         [--key NAME]\n"
	     "       sanshe member list [--json]\n"
	     "       sanshe member revoke ID --reason REASON [--at UTC] [--key NAME]\n"
	     "\n"
	     "Members sign what they record, each with their own key.  Only an\n"
	     "admin adds or revokes them (--key NAME: sign with that key).\n"
	     "\n"
	     "  add     add a member of organization ORG with their public key: an\n"
	     "          OpenSSH line 'ssh-ed25519 AAAA...' or a file holding one (what\n"
	     "          'sanshe key show' prints); they may sign from --valid-from\n"
	     "          (default: now).  Prints the member's id and key fingerprint.\n"
	     "          A key another member has is refused.\n"
	     "  list    id, name, organization, key fingerprint, valid from or\n"
	     "          revoked, roles; --json: [{id, name, kind, org, roles,\n"
	     "          fingerprint, valid_from, revoked: {at, reason, note}}]\n"
	     "  revoke  the member signs nothing from --at (default: now); what\n"
	     "          they signed before stays valid.  REASON: left, key-lost,\n"
	     "          key-compromised, role-ended, other, or your own words (kept\n"
	     "          as a note, reason other).  The last admin is not revoked.\n"
	     "\n"
	     "roles and what they write:\n"
	     "  admin             org, member (the roster)\n"
	     "  social-worker     case, case-note in its own organization's space\n"
	     "  community-worker  case, case-note in its own organization's space;\n"
	     "                    roster\n"
	     "  supervisor        project; case, case-note in its own organization's\n"
	     "                    space\n"
	     "  coordinator       roster\n"
	     "  finance           ledger-entry\n"
	     "  auditor           nothing: reads and verifies\n"
	     "\n"
	     "examples:\n"
	     "  sanshe member add --name 李娜 --org tongxin --role social-worker \\\n"
	     "      --public-key li-na.pub\n"
	     "  sanshe member list\n"
	     "  sanshe member revoke 0190a1b2-8c00-7d3e-9f00-1a2b3c4d5e6f --reason left\n") },
	{ "merge", cmd_merge, N_("merge another node's history of a space into yours"),
	  N_("usage: sanshe merge [--space S] [--key NAME] [--json] REF\n"
	     "\n"
	     "Merge REF (a branch fetched from another node with git fetch, or any\n"
	     "commit) into the space S (by default the space whose name ends REF).\n"
	     "When the space already has REF nothing changes; when REF only adds\n"
	     "to it, the space moves forward to REF; otherwise every document\n"
	     "changed on both sides is merged: edits of different fields both\n"
	     "apply, two edits of one field keep the later one and record the\n"
	     "other in the document's _conflicts (see sanshe conflicts), and a\n"
	     "merge commit signed by you is written.  Every node merging the same\n"
	     "histories gets the same documents, byte for byte.\n"
	     "\n"
	     "example:\n"
	     "  git fetch ../community-node org/tongxin:refs/remotes/community/org/tongxin\n"
	     "  sanshe merge community/org/tongxin\n") },
	{ "org", cmd_org, N_("add and list the organizations of the trust roster"),
	  N_("usage: sanshe org add NAME --kind KIND [--id ID] [--short-name S]\n"
	     "                      [--parent ORG] [--reader ORG]... [--reader-role ROLE]...\n"
	     "                      [--key NAME]\n"
	     "       sanshe org list [--json]\n"
	     "       sanshe org readers ORG [--add ORG]... [--rm ORG]... [--add-role ROLE]...\n"
	     "                          [--rm-role ROLE]... [--key NAME]\n"
	     "\n"
	     "The organizations of the federation.  Each has its space org/<id>\n"
	     "for its case files, received by its own members, by the members of\n"
	     "the organizations in its readers, and by the holders of its reader\n"
	     "roles (e.g. auditor).  Only an admin adds or changes them (--key NAME:\n"
	     "sign with that key).\n"
	     "\n"
	     "  add      add an organization; prints its id (a new UUIDv7 without\n"
	     "           --id)\n"
	     "  list     id, kind, name, readers and reader roles; --json: the org\n"
	     "           documents\n"
	     "  readers  change who else may read the space of ORG\n"
	     "\n"
	     "kinds: agency, community, street-office, social-org, bureau\n"
	     "\n"
	     "examples:\n"
	     "  sanshe org add 惠民社区居委会 --kind community --id huiming \\\n"
	     "      --parent chengguan --reader tongxin\n"
	     "  sanshe org readers huiming --add-role auditor\n"
	     "  sanshe org list\n") },
	{ "peer", cmd_peer, N_("name the other nodes this node meets"),
	  N_("usage: sanshe peer add NAME URL [--key FINGERPRINT]\n"
	     "       sanshe peer list [--json]\n"
	     "       sanshe peer rm NAME\n"
	     "\n"
	     "Peers are the other nodes this node syncs with, by a name of your\n"
	     "choice: 'sanshe sync NAME' then stands for 'sanshe sync URL'.  URL is\n"
	     "the path of the other node's repository (a shared folder, a USB\n"
	     "stick); --key keeps the fingerprint of the key expected of it.\n"
	     "Peers are settings of this repository, never part of its history.\n"
	     "\n"
	     "example:\n"
	     "  sanshe peer add street /mnt/share/street-office\n"
	     "  sanshe peer list\n") },
	{ "put", cmd_put, N_("sign a record and save it in the repository"),
	  N_("usage: sanshe put [FILE|-] [--key NAME]\n"
	     "\n"
	     "Check the record (standard input without FILE) against its schema,\n"
	     "sign it as you (the member whose key is used), and save it in its\n"
	     "space in one signed commit.  Prints <type>/<id>.  A record with the\n"
	     "id of a stored one replaces it; when the stored one has conflicts\n"
	     "(see 'sanshe conflicts') and the record has no _conflicts, they are\n"
	     "kept in the new version: only 'sanshe resolve', or an edit that\n"
	     "removes them, settles them.\n"
	     "\n"
	     "example:\n"
	     "  sanshe put visit.json\n") },
	{ "quarantine", cmd_quarantine, N_("history signed by a revoked key, waiting for an admin"),
	  N_("usage: sanshe quarantine [list] [--json]\n"
	     "       sanshe quarantine accept NAME [--key NAME]\n"
	     "       sanshe quarantine refuse NAME\n"
	     "\n"
	     "A revoked key's signatures made before its revocation stay valid; but\n"
	     "its owner could date new ones in the past.  So history signed by a key\n"
	     "that this node already knew to be revoked is not merged when it\n"
	     "arrives: 'sanshe merge' holds it here, under a name made of where it\n"
	     "came from and its space (e.g. li-na-laptop/org/tongxin).\n"
	     "\n"
	     "  list    each held history, and each of its commits that the revoked\n"
	     "          key signed, with the time the signature claims and the time\n"
	     "          of the revocation (--json: [{name, space, tip, commits:\n"
	     "          [{commit, what, member, name, key, claimed, revoked_at}]}])\n"
	     "  accept  (admins only) record in the roster that this history is\n"
	     "          accepted, so that no other node holds it again, then merge it\n"
	     "  refuse  forget it: nothing of it is merged (the sender keeps it)\n"
	     "\n"
	     "example:\n"
	     "  sanshe quarantine\n"
	     "  sanshe quarantine accept li-na-laptop/org/tongxin\n") },
	{ "resolve", cmd_resolve, N_("settle a conflict: sign a version that keeps one value"),
	  N_("usage: sanshe resolve <type>/<id> [--path P (--take N | --value JSON)]\n"
	     "                      [--key NAME]\n"
	     "\n"
	     "Settle the conflict at field P of the document (see 'sanshe\n"
	     "conflicts'): write a new version, signed by you, whose value at P is\n"
	     "the one chosen and whose _conflicts no longer holds the entries of P.\n"
	     "Without --path, the document must have conflicts at one path only.\n"
	     "\n"
	     "With no option, the document opens in $VISUAL or $EDITOR with its\n"
	     "_conflicts at the top: change the values as you decide, remove the\n"
	     "_conflicts entries you settled, save and quit.  The result is checked\n"
	     "against its schema and saved like 'sanshe edit'; an edit that cannot\n"
	     "be saved is kept in a file whose name is printed.\n"
	     "\n"
	     "options:\n"
	     "  --path P        the field, as a JSON pointer ('' is the document)\n"
	     "  --take N        0 keeps the value the document has; N takes the\n"
	     "                  N-th other value (a removal removes the field)\n"
	     "  --value JSON    set this value instead, e.g. '\"high\"' or '{\"a\": 1}'\n"
	     "  --key NAME      sign with this key (default: the home's default key)\n"
	     "\n"
	     "When the other side removed the whole document (path ''), taking the\n"
	     "removal is 'sanshe rm'; --take 0 keeps the document.\n"
	     "\n"
	     "examples:\n"
	     "  sanshe resolve case/0183ca3d-eec0-7046-9e0c-55503fa5093f \\\n"
	     "      --path /risk_level --take 1\n"
	     "  sanshe resolve case/0183ca3d-eec0-7046-9e0c-55503fa5093f \\\n"
	     "      --path /client/phone --value '\"13709310002\"'\n"
	     "  sanshe resolve case/0183ca3d-eec0-7046-9e0c-55503fa5093f\n") },
	{ "rm", cmd_rm, N_("remove a document in a signed commit"),
	  N_("usage: sanshe rm <type>/<id> [--key NAME]\n"
	     "\n"
	     "Remove the document; its history stays.  Append-only records (case\n"
	     "notes, ledger entries) are never removed.\n"
	     "\n"
	     "example:\n"
	     "  sanshe rm roster/0183b53f-c980-7218-b9e8-fb1e2aa304c3\n") },
	{ "serve", cmd_serve, N_("serve this node to the other offices over the network"),
	  N_("usage: sanshe serve [--listen HOST:PORT] [--once] [--key NAME]\n"
	     "\n"
	     "Wait for other nodes of the federation to sync with this one\n"
	     "('sanshe sync tcp://HOST:PORT'), until Ctrl-C or SIGTERM; sessions\n"
	     "under way are finished first.  Before anything moves, both ends prove\n"
	     "their keys; a key that is not a member in good standing of this node's\n"
	     "roster is refused, and the other end is told why.  A peer receives only\n"
	     "the spaces its organization may read, and only what it lacks; what it\n"
	     "sends back is verified and taken only when it moves this node's spaces\n"
	     "forward (the connecting side merges).  Each session runs on its own: a\n"
	     "peer that misbehaves or stalls is dropped while the others go on.\n"
	     "One line per session goes to stderr: when, who, what moved, and how\n"
	     "it ended.  The key must be able to unlock without a prompt to serve\n"
	     "unattended (a key with no passphrase, or SANSHE_PASSPHRASE).\n"
	     "\n"
	     "options:\n"
	     "  --listen HOST:PORT  where to listen (default 127.0.0.1:7150; use\n"
	     "                      0.0.0.0:7150 for the office's network; port 0 picks\n"
	     "                      a free port, shown when serving starts)\n"
	     "  --once              serve one session, then stop\n"
	     "  --key NAME          prove this node's identity with this key\n"
	     "\n"
	     "environment:\n"
	     "  SANSHE_IDLE_TIMEOUT  seconds to wait for a silent peer (30; 15 minutes\n"
	     "                       while it verifies or builds a pack)\n"
	     "\n"
	     "example:\n"
	     "  sanshe serve --listen 0.0.0.0:7150\n") },
	{ "sign", cmd_sign, N_("sign a record and print the signed document"),
	  N_("usage: sanshe sign FILE [--key NAME]\n"
	     "\n"
	     "Check the record in FILE against the schema of its type, give it an\n"
	     "id (a UUIDv7) when it has none, sign it and print the signed\n"
	     "document in canonical form, with _sig = {key, at, sig}.  Nothing is\n"
	     "printed when the record is invalid or the key cannot be unlocked.\n"
	     "\n"
	     "options:\n"
	     "  --key NAME  sign with this key (default: the home's default key)\n"
	     "\n"
	     "example:\n"
	     "  sanshe sign visit.json > visit.signed.json\n") },
	{ "status", cmd_status, N_("show the spaces, their documents, and records that break a rule"),
	  N_("usage: sanshe status [--json]\n"
	     "\n"
	     "Show each space with its head and its documents per type, then the\n"
	     "findings: records that together break a rule of the practice.  A\n"
	     "finding never stops a merge or a write; people settle it by writing\n"
	     "new records (a reversal, an evaluation, a referral's outcome).\n"
	     "\n"
	     "rules:\n"
	     "  budget-exceeded                  a project category spent more than\n"
	     "                                   its budget (expenses less those\n"
	     "                                   reversed; exactly the budget is fine)\n"
	     "  tranche-before-final-evaluation  a tranche due after a passed final\n"
	     "                                   evaluation was paid before one passed\n"
	     "                                   (an evaluation on the day of payment\n"
	     "                                   counts)\n"
	     "  case-closed-open-referrals       a closed case has a referral neither\n"
	     "                                   completed nor declined\n"
	     "  reversal-target-missing          a reversal names an entry that does\n"
	     "                                   not exist\n"
	     "  ledger-project-missing           ledger entries name a project that\n"
	     "                                   does not exist\n"
	     "\n"
	     "Exit status: 0 with or without findings; 1 when something cannot be\n"
	     "read.\n"
	     "\n"
	     "options:\n"
	     "  --json  print {spaces: [{space, head, documents}],\n"
	     "          findings: [{rule, space, type, id, message}]}\n"
	     "\n"
	     "example:\n"
	     "  sanshe status\n") },
	{ "sync", cmd_sync, N_("meet another node: take, verify and merge its records, and give it ours"),
	  N_("usage: sanshe sync PEER [--space S]... [--key NAME] [--quiet] [--json]\n"
	     "\n"
	     "PEER is one of:\n"
	     "  a path            another node's repository (a shared folder, a USB\n"
	     "                    stick)\n"
	     "  tcp://HOST:PORT   a node running 'sanshe serve' (port 7150 when left\n"
	     "                    out); both ends prove their keys, each must be a\n"
	     "                    member in good standing of the other's roster, and\n"
	     "                    everything travels encrypted\n"
	     "  a bundle file     a sealed bundle ('sanshe bundle create'), applied\n"
	     "  a peer's name     from 'sanshe peer add'\n"
	     "\n"
	     "Both nodes must belong to the same federation.  For each space the\n"
	     "other node has and you may read (the roster first, then common, then\n"
	     "the organizations'), only what you lack travels; its history is\n"
	     "checked as 'sanshe verify' checks it and merged into yours, as 'sanshe\n"
	     "merge' does.  History signed by a revoked key, or that fails the\n"
	     "checks, waits in quarantine ('sanshe quarantine list').  Then the other\n"
	     "node is brought forward to the merged heads of the spaces it may hold,\n"
	     "so that both nodes end with the same heads.  On a terminal, long\n"
	     "transfers show their progress on stderr.\n"
	     "\n"
	     "Exit status: 0 when all went through; 1 when something was held in\n"
	     "quarantine, refused by the other node, or could not be done.\n"
	     "\n"
	     "options:\n"
	     "  --space S   only space S (repeatable)\n"
	     "  --key NAME  sign merge commits, and prove who you are, with this key\n"
	     "  --quiet     no progress\n"
	     "  --json      print {peer, spaces: [{space, received, sent, refused,\n"
	     "              documents_merged, conflicts, quarantine}],\n"
	     "              objects_received, bytes_received, objects_sent,\n"
	     "              bytes_sent, documents_merged, conflicts, quarantined,\n"
	     "              refused, not_readable}\n"
	     "\n"
	     "environment:\n"
	     "  SANSHE_IDLE_TIMEOUT  seconds to wait for a silent peer (30; 15 minutes\n"
	     "                       while it verifies or builds a pack)\n"
	     "\n"
	     "examples:\n"
	     "  sanshe sync /media/usb/street-office\n"
	     "  sanshe sync tcp://192.168.1.20:7150\n"
	     "  sanshe sync /media/usb/week47.sanshe\n") },
	{ "validate", cmd_validate, N_("check a record against the schema of its type"),
	  N_("usage: sanshe validate FILE [--type TYPE] [--json]\n"
	     "\n"
	     "Check the record in FILE against the schema of its type and print\n"
	     "every violation on its own line as '<JSON pointer>: <reason>'.\n"
	     "Exit 0 when it is valid, 1 when it is not.\n"
	     "\n"
	     "options:\n"
	     "  --type TYPE  check as a TYPE, whatever the record's own type says\n"
	     "  --json       print {type, id, valid, violations: [{pointer, message}]}\n"
	     "\n"
	     "types: case, case-note, ledger-entry, member, org, project, roster\n"
	     "\n"
	     "example:\n"
	     "  sanshe validate case.json\n") },
	{ "verify", cmd_verify, N_("the auditor's check: verify the whole history and the ledgers"),
	  N_("usage: sanshe verify [--space S] [--since REV] [--json] [--html FILE]\n"
	     "\n"
	     "Walk the history of every space (or of S) and check that every commit\n"
	     "and every version of a document is accounted for: signed by a key the\n"
	     "trust roster allowed to write it at the time it was signed, valid\n"
	     "against its schema, append-only records never changed, and every\n"
	     "merge exactly what the merge engine computes from its parents.  The\n"
	     "rules between documents (see 'sanshe help status') are checked at\n"
	     "each space's head.  Prints each finding (rule, space, commit,\n"
	     "document, signer and time, then the message) and a summary line.\n"
	     "\n"
	     "Exit status: 0 when nothing was found; 1 when there are findings or\n"
	     "something cannot be read; 2 on wrong usage.\n"
	     "\n"
	     "options:\n"
	     "  --space S    only the space S (trust, common or org/<org-id>)\n"
	     "  --since REV  take the history of REV as already verified\n"
	     "  --json       print {summary: {spaces, commits, merges, versions,\n"
	     "               signatures, findings}, findings: [{rule, space, commit,\n"
	     "               type, id, signer, signer_name, at, message}], projects:\n"
	     "               [{space, id, title, budget: {category: fen}, spent,\n"
	     "               disbursed, entries}]}; unknown members are null\n"
	     "  --html FILE  also write FILE: one HTML page for the auditor, with the\n"
	     "               summary, the findings and each project's ledger against\n"
	     "               its budget, in yuan (opens in any browser, offline)\n"
	     "\n"
	     "examples:\n"
	     "  sanshe verify\n"
	     "  sanshe verify --html verify-2023-09.html\n"
	     "  sanshe verify --space common --json\n") },
	{ "version", cmd_version, N_("show the version of sanshe and its libraries"),
	  N_("usage: sanshe version\n"
	     "\n"
	     "Print the version of sanshe and of the libraries it uses.\n") },
};

static const char main_usage[] =
	N_("usage: sanshe [-C DIR] <command> [options]\n"
	   "\n"
	   "sanshe keeps the records of social-work offices (case files, volunteer\n"
	   "rosters, project ledgers) as signed JSON documents and syncs them\n"
	   "between offices without a central server.\n"
	   "\n"
	   "global options:\n"
	   "  -C DIR      run as if started in DIR\n"
	   "  -h, --help  show this help\n"
	   "\n"
	   "environment:\n"
	   "  SANSHE_HOME        keys, clock and settings (default ~/.sanshe)\n"
	   "  SANSHE_PASSPHRASE  passphrase of the secret key (otherwise asked)\n"
	   "\n"
	   "commands:\n");

const struct cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_main_usage(FILE *out)
{
	fputs(_(main_usage), out);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s  %s\n", commands[i].name,
			_(commands[i].summary));
	fputs(_("\nRun 'sanshe help <command>' for the help of one command.\n"),
	      out);
}

int cli_help(const char *command, FILE *out)
{
	const struct cli_command *cmd = command ? cli_command_find(command) : NULL;

	if (!cmd) {
		print_main_usage(out);
		return 0;
	}
	fputs(_(cmd->usage), out);
	return 0;
}

int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return cli_usage_error("help", "%s", _("too many arguments"));
	if (argc == 2 && !cli_command_find(argv[1])) {
		fprintf(stderr, _("sanshe: '%s' is not a sanshe command\n"),
			argv[1]);
		print_main_usage(stderr);
		return EXIT_USAGE;
	}
	return cli_help(argc == 2 ? argv[1] : NULL, stdout);
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;
	int i = 1;

	setlocale(LC_ALL, "");
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-C") == 0) {
			if (i + 1 >= argc) {
				fputs(_("sanshe: -C needs a directory\n"), stderr);
				return EXIT_USAGE;
			}
			if (chdir(argv[i + 1]) != 0) {
				sanshe_error_set_os(SANSHE_EIO,
						    _("cannot change to '%s'"),
						    argv[i + 1]);
				return cli_fail();
			}
			i += 2;
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			print_main_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			return cmd_version(1, argv);
		} else {
			fprintf(stderr, _("sanshe: unknown option '%s'\n"),
				argv[i]);
			print_main_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_main_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = cli_command_find(argv[i]);
	if (!cmd) {
		fprintf(stderr, _("sanshe: '%s' is not a sanshe command\n"),
			argv[i]);
		print_main_usage(stderr);
		return EXIT_USAGE;
	}
	return cmd->run(argc - i, argv + i);
}
