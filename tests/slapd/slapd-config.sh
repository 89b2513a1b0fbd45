#!/bin/sh
# slapd-config.sh DIR [--no-syncprov] [--ldif FILE] [--tls CERTDIR]:
# write a throwaway
# slapd configuration under DIR (slapd.d, data, run) for the tests and
# benchmarks: back-mdb for dc=example,dc=org, the syncprov overlay unless
# --no-syncprov, schema core/cosine/inetorgperson/nis, frontend size limit
# 500 (as a stock slapd), and unlimited size and time for the accounts
# vetsync binds as. --ldif FILE bulk-loads FILE with slapadd -q (the base
# entries below are always loaded first). --tls CERTDIR enables StartTLS
# with CERTDIR/ca.crt and CERTDIR/server.pem (certificate and key, as
# deploy/make-certs.sh makes them). Run as the current user; nothing
# outside DIR is written. See NOTES.md section 5.
#
# Accounts (password "secret" for both simple binds):
#   cn=admin,dc=example,dc=org     rootdn: writes
#   cn=vetsync,dc=example,dc=org   the sync account: reads, no size limit
#   the current user over ldapi://  SASL EXTERNAL: reads, no size limit
# Anonymous reads are allowed and capped at 500 entries.
set -eu
PATH=$PATH:/usr/sbin:/sbin	# slapadd, slapd for a non-root user

dir=$1; shift
syncprov=1
ldif=""
tls=""
while [ $# -gt 0 ]; do
	case "$1" in
	--no-syncprov) syncprov=0 ;;
	--ldif) ldif=$2; shift ;;
	--tls) tls=$2; shift ;;
	*) echo "slapd-config.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

mkdir -p "$dir/slapd.d" "$dir/data" "$dir/run"
chmod 700 "$dir"
uid=$(id -u)
gid=$(id -g)
peer="gidNumber=$gid+uidNumber=$uid,cn=peercred,cn=external,cn=auth"
# {SSHA} of "secret", made once with slappasswd; only for throwaway servers.
pw='{SSHA}kgNVXYyo8It6Ajd47fXLb3G4qBAr0Wq7'

modules="olcModuleLoad: back_mdb"
overlay=""
if [ "$syncprov" -eq 1 ]; then
	modules="$modules
olcModuleLoad: syncprov"
	overlay="
dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: {0}syncprov
olcSpCheckpoint: 100 10
olcSpSessionlog: 1000
"
fi

tls_attrs=""
if [ -n "$tls" ]; then
	tls_attrs="olcTLSCACertificateFile: $tls/ca.crt
olcTLSCertificateFile: $tls/server.pem
olcTLSCertificateKeyFile: $tls/server.pem"
fi

cat > "$dir/config.ldif" <<LDIF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $dir/run/slapd.pid
olcArgsFile: $dir/run/slapd.args
$tls_attrs

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
$modules

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

include: file:///etc/ldap/schema/nis.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: 500

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=$peer manage by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: dc=example,dc=org
olcRootDN: cn=admin,dc=example,dc=org
olcRootPW: $pw
olcDbDirectory: $dir/data
olcDbMaxSize: 1073741824
olcDbIndex: objectClass eq
olcDbIndex: uid eq
olcDbIndex: entryCSN,entryUUID eq
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by * read
olcLimits: {0}dn.exact="cn=admin,dc=example,dc=org" size=unlimited time=unlimited
olcLimits: {1}dn.exact="cn=vetsync,dc=example,dc=org" size=unlimited time=unlimited
olcLimits: {2}dn.exact="$peer" size=unlimited time=unlimited
$overlay
LDIF

cat > "$dir/base.ldif" <<LDIF
dn: dc=example,dc=org
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: ou=former,dc=example,dc=org
objectClass: organizationalUnit
ou: former

dn: cn=vetsync,dc=example,dc=org
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: vetsync
userPassword: $pw
LDIF

slapadd -n0 -F "$dir/slapd.d" -l "$dir/config.ldif" >/dev/null
slapadd -q -n1 -F "$dir/slapd.d" -l "$dir/base.ldif" >/dev/null
if [ -n "$ldif" ]; then
	slapadd -q -n1 -F "$dir/slapd.d" -l "$ldif" >/dev/null
fi
