// OpenSSL's libcrypto is already in the process through SQLCipher; radd uses it for SHA-256
// content hashes and HMAC-SHA256 pseudonyms.
#include <openssl/evp.h>
#include <openssl/hmac.h>
