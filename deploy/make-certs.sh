#!/bin/sh
# make-certs.sh: a private CA, a server certificate and client
# certificates for vetd's tls+tcp:// listeners, with openssl.
#
#   sh deploy/make-certs.sh DIR [SERVER_NAME ...]
#       DIR/ca.crt, ca.key     the CA (ca.key signs; keep it offline)
#       DIR/server.pem         vetd's certificate and key in one PEM file
#                              (tls_cert_key_file), for localhost,
#                              127.0.0.1 and each SERVER_NAME (a DNS name
#                              or an IP address)
#       DIR/client.pem         a client certificate and key (vetctl
#                              --tls-cert, libvet tls_cert_key_file)
#   sh deploy/make-certs.sh --client NAME DIR
#       DIR/NAME.pem           another client, signed by DIR's CA
#
# An existing CA in DIR is reused; existing certificates are never
# overwritten. Every file is created mode 0600 (umask 077); give ca.crt to
# whoever must verify vetd or its clients. Keys are P-256 ECDSA, which
# nng's TLS (mbedtls 2.28) accepts. Certificates last DAYS days (default
# 825); renew before then by deleting the file and running this again.
set -eu
umask 077

DAYS="${DAYS:-825}"
CA_DAYS="${CA_DAYS:-3650}"

usage() {
	echo "usage: make-certs.sh DIR [SERVER_NAME ...]" >&2
	echo "       make-certs.sh --client NAME DIR" >&2
	exit 2
}

command -v openssl >/dev/null 2>&1 || {
	echo "make-certs.sh: openssl is not installed (apt-get install openssl)" >&2
	exit 1
}

client=""
if [ "${1:-}" = "--client" ]; then
	[ $# -eq 3 ] || usage
	client="$2"
	shift 2
	case "$client" in
	""|*[!A-Za-z0-9._-]*)
		echo "make-certs.sh: client name must be A-Z a-z 0-9 . _ -" >&2
		exit 2 ;;
	esac
fi
[ $# -ge 1 ] || usage
dir="$1"
shift
mkdir -p "$dir"
chmod 700 "$dir"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1" 2>/dev/null
}

# sign NAME CN EXTFILE: a certificate for key $tmp/NAME.key from the CA.
sign() {
	openssl req -new -key "$tmp/$1.key" -subj "/CN=$2" \
	    -out "$tmp/$1.csr" 2>/dev/null
	openssl x509 -req -in "$tmp/$1.csr" -CA "$dir/ca.crt" \
	    -CAkey "$dir/ca.key" -CAcreateserial -CAserial "$dir/ca.srl" \
	    -days "$DAYS" -sha256 -extfile "$3" -out "$tmp/$1.crt" 2>/dev/null
	cat "$tmp/$1.crt" "$tmp/$1.key" > "$tmp/$1.pem"
	mv "$tmp/$1.pem" "$dir/$1.pem"
	echo "make-certs.sh: wrote $dir/$1.pem (CN=$2)"
}

if [ ! -f "$dir/ca.crt" ]; then
	key "$tmp/ca.key"
	openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days "$CA_DAYS" \
	    -subj "/CN=vetd CA $(hostname 2>/dev/null || echo local)" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    -out "$tmp/ca.crt" 2>/dev/null
	mv "$tmp/ca.key" "$dir/ca.key"
	mv "$tmp/ca.crt" "$dir/ca.crt"
	echo "make-certs.sh: wrote $dir/ca.crt and $dir/ca.key (the CA)"
elif [ ! -f "$dir/ca.key" ]; then
	echo "make-certs.sh: $dir/ca.crt exists without ca.key" >&2
	exit 1
fi

client_cert() {
	if [ -f "$dir/$1.pem" ]; then
		echo "make-certs.sh: $dir/$1.pem exists; left as it is" >&2
		return 0
	fi
	key "$tmp/$1.key"
	printf '%s\n' "basicConstraints=CA:FALSE" \
	    "keyUsage=critical,digitalSignature" \
	    "extendedKeyUsage=clientAuth" > "$tmp/$1.ext"
	sign "$1" "$1" "$tmp/$1.ext"
}

if [ -n "$client" ]; then
	client_cert "$client"
	exit 0
fi

if [ -f "$dir/server.pem" ]; then
	echo "make-certs.sh: $dir/server.pem exists; left as it is" >&2
else
	san="DNS:localhost,IP:127.0.0.1"
	cn="localhost"
	for name in "$@"; do
		case "$name" in
		*[!0-9.]*)
			case "$name" in
			*:*) san="$san,IP:$name" ;;	# IPv6
			*) san="$san,DNS:$name" ;;
			esac ;;
		*) san="$san,IP:$name" ;;
		esac
		[ "$cn" = "localhost" ] && cn="$name"
	done
	key "$tmp/server.key"
	printf '%s\n' "basicConstraints=CA:FALSE" \
	    "keyUsage=critical,digitalSignature" \
	    "extendedKeyUsage=serverAuth" "subjectAltName=$san" \
	    > "$tmp/server.ext"
	sign server "$cn" "$tmp/server.ext"
fi
client_cert client
