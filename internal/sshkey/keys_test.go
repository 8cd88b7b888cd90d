package sshkey

// Fixed keys made once with OpenSSH 9.2p1, OpenSSL 3.0 and PuTTY 0.78 on
// Debian 12, and what those tools say about them. They are test material
// only; nothing trusts them.
const (
	// rsa2048Private is a 2048-bit RSA private key, `ssh-keygen -t rsa -b 2048 -m PEM`.
	rsa2048Private = `-----BEGIN RSA PRIVATE KEY-----
MIIEoQIBAAKCAQEAkLxntY40z1xNs9gVFbKhffS6ddY42Z55555UxEXAL1f0O2Ak
cmwH40qsiMkHFOpiUVdXmJz6o5AQGV5+LHh5OV9txXYsGHrSqXTJEqRq7eAmQAh1
jChjLOgIDUPs9cgPQvsj7yXkaw+SRmDe3QNY5Ws5nGEOXAVVlKvIpjSvGlwUHMkO
K5N8QXlZRzn6zWajilfJD7pFYyxv5JCNUDd9na3SCnH8fQC3gyXnfvbkjlQh4zmo
ywCtAcfVwwa4o1x+3cUdqOTvDDSpP5rDwFP8ClQf7dwp6FqNj7/AEOdcp6ZWvqxa
1hkT4CD/QLoMupJ8VIM1XYavgNGSk/r7Y6DwHQIDAQABAoH/eOTmZkA3hv0SlPto
oTcUAqGTHdpR93Q9Xw+2vjraIgbVehhUWT7jV8yH+7lEBl8WFdtez5r6aqTAIxtK
njADEb55ckvC3q+48X0bIaHfBH1gyxubE/dS36+bCiQynxmm+yEgYswZKf6tBRw6
YLbrCguw6MN+ZbQO8p/fzvSH+PtZj5C97GW6ly6jz7tWNDf3u0J+R6ODCH4tar0w
Nyz8tktZnTu4uLzFl73r7AIOlL6NAT4Z8lEjl3VlfUnQdwgI4Rol5m9zHvITYz0m
+I7y66+kkltjXqh7NEdrz1svC96aTgvJV63sVoJDElxiLrPWHhZRvTukpRjfDepS
ALRvAoGBAMK92CGuEr7djyXmoQ7eulJuLKXfTrxakadlLtOMNJ9E9qT/20MIUCDU
31iKbyxGSb1NuHgRkt5A7FB0LMeqL0zXX1q4NyLa5V+3/7ISRBLQEAmf2y4KBEch
tR/3kwOpaQ7vp25Kp4WW2sZLGbCMlXNKKCvglygG6txVyieg3+7nAoGBAL5DtOa3
mX+/zmOr+YRzseXSRM69VNalO1qpyFvXISeCetfAQ1EnhRktwqaA4rteBwrlKndU
9mKESEe2/EvbO1zU8v9lTjOuvcrTpmUIZc5Q2dwhtTWpNLuFRlXEMjwtdvdjSwzN
h5XZBNsVNHd2tvoXaq0c5eSavGRA1zAK9FxbAoGABwQB2kzEHh4rPwlM+hUqDzgq
4Zrm4kA9CRPLGRHu/2HjpNQW2RZelKA2n6D1Glo549j98U1oxhr+qHNW/aZy58jG
haUnT1kldEpTqt2fmDHosgARTFpOByX+uXUY1cPvpfsaRA3qdRSXMxeXiFW4OJwO
UG5Z47ZEFcX9b2oLRzcCgYEAnc0j9ZLjEawwbkRNH0ihjF4XyWwIODo0fx5/2YQU
sGMspVKFwoJHhrmITnZpFkOHDcdBsFVcQBs8o5YlrHh4xKatn5sTABR2vwlJYVRU
s4glGMkwNQBQhxKjYjDmBTkkCUxmC4lPYb3rpBTzPf3NBqFzTX7BQRgBFhkdIHCF
eS8CgYAQlpGZ7djztIoSOpPeKTNEuvmzcSNF2MwTX/o+LNpWIvpWfV3Rqy3Iohqb
XOejDKsm9V2VI6vjcIEunWAkcNY3oMBkly3KffN5TbnIK/LSDf5s1kqSOePtouZs
izJjnFvmxBJ5BbtHaw9+gDBZFziWZkXNSTDSV7IJ7Vtu7F5u3A==
-----END RSA PRIVATE KEY-----`

	// rsa2048Public is its public key as ssh-keygen wrote it.
	rsa2048Public = `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCQvGe1jjTPXE2z2BUVsqF99Lp11jjZnnnnnlTERcAvV/Q7YCRybAfjSqyIyQcU6mJRV1eYnPqjkBAZXn4seHk5X23FdiwYetKpdMkSpGrt4CZACHWMKGMs6AgNQ+z1yA9C+yPvJeRrD5JGYN7dA1jlazmcYQ5cBVWUq8imNK8aXBQcyQ4rk3xBeVlHOfrNZqOKV8kPukVjLG/kkI1QN32drdIKcfx9ALeDJed+9uSOVCHjOajLAK0Bx9XDBrijXH7dxR2o5O8MNKk/msPAU/wKVB/t3CnoWo2Pv8AQ51ynpla+rFrWGRPgIP9Augy6knxUgzVdhq+A0ZKT+vtjoPAd fixture-rsa`

	// rsa2048RFC4716 is `ssh-keygen -e -f rsa2048.pub`.
	rsa2048RFC4716 = `---- BEGIN SSH2 PUBLIC KEY ----
Comment: "2048-bit RSA, converted by root@vm from OpenSSH"
AAAAB3NzaC1yc2EAAAADAQABAAABAQCQvGe1jjTPXE2z2BUVsqF99Lp11jjZnnnnnlTERc
AvV/Q7YCRybAfjSqyIyQcU6mJRV1eYnPqjkBAZXn4seHk5X23FdiwYetKpdMkSpGrt4CZA
CHWMKGMs6AgNQ+z1yA9C+yPvJeRrD5JGYN7dA1jlazmcYQ5cBVWUq8imNK8aXBQcyQ4rk3
xBeVlHOfrNZqOKV8kPukVjLG/kkI1QN32drdIKcfx9ALeDJed+9uSOVCHjOajLAK0Bx9XD
BrijXH7dxR2o5O8MNKk/msPAU/wKVB/t3CnoWo2Pv8AQ51ynpla+rFrWGRPgIP9Augy6kn
xUgzVdhq+A0ZKT+vtjoPAd
---- END SSH2 PUBLIC KEY ----`

	// rsa2048SPKI is `ssh-keygen -e -m PKCS8 -f rsa2048.pub`.
	rsa2048SPKI = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkLxntY40z1xNs9gVFbKh
ffS6ddY42Z55555UxEXAL1f0O2AkcmwH40qsiMkHFOpiUVdXmJz6o5AQGV5+LHh5
OV9txXYsGHrSqXTJEqRq7eAmQAh1jChjLOgIDUPs9cgPQvsj7yXkaw+SRmDe3QNY
5Ws5nGEOXAVVlKvIpjSvGlwUHMkOK5N8QXlZRzn6zWajilfJD7pFYyxv5JCNUDd9
na3SCnH8fQC3gyXnfvbkjlQh4zmoywCtAcfVwwa4o1x+3cUdqOTvDDSpP5rDwFP8
ClQf7dwp6FqNj7/AEOdcp6ZWvqxa1hkT4CD/QLoMupJ8VIM1XYavgNGSk/r7Y6Dw
HQIDAQAB
-----END PUBLIC KEY-----`

	// rsa2048PKCS1 is `ssh-keygen -e -m PEM -f rsa2048.pub`.
	rsa2048PKCS1 = `-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAkLxntY40z1xNs9gVFbKhffS6ddY42Z55555UxEXAL1f0O2AkcmwH
40qsiMkHFOpiUVdXmJz6o5AQGV5+LHh5OV9txXYsGHrSqXTJEqRq7eAmQAh1jChj
LOgIDUPs9cgPQvsj7yXkaw+SRmDe3QNY5Ws5nGEOXAVVlKvIpjSvGlwUHMkOK5N8
QXlZRzn6zWajilfJD7pFYyxv5JCNUDd9na3SCnH8fQC3gyXnfvbkjlQh4zmoywCt
AcfVwwa4o1x+3cUdqOTvDDSpP5rDwFP8ClQf7dwp6FqNj7/AEOdcp6ZWvqxa1hkT
4CD/QLoMupJ8VIM1XYavgNGSk/r7Y6DwHQIDAQAB
-----END RSA PUBLIC KEY-----`

	// rsa2048PPK is `puttygen rsa2048 -O private --ppk-param version=2 -C fixture-rsa` (PuTTY 0.78).
	rsa2048PPK = `PuTTY-User-Key-File-2: ssh-rsa
Encryption: none
Comment: fixture-rsa
Public-Lines: 6
AAAAB3NzaC1yc2EAAAADAQABAAABAQCQvGe1jjTPXE2z2BUVsqF99Lp11jjZnnnn
nlTERcAvV/Q7YCRybAfjSqyIyQcU6mJRV1eYnPqjkBAZXn4seHk5X23FdiwYetKp
dMkSpGrt4CZACHWMKGMs6AgNQ+z1yA9C+yPvJeRrD5JGYN7dA1jlazmcYQ5cBVWU
q8imNK8aXBQcyQ4rk3xBeVlHOfrNZqOKV8kPukVjLG/kkI1QN32drdIKcfx9ALeD
Jed+9uSOVCHjOajLAK0Bx9XDBrijXH7dxR2o5O8MNKk/msPAU/wKVB/t3CnoWo2P
v8AQ51ynpla+rFrWGRPgIP9Augy6knxUgzVdhq+A0ZKT+vtjoPAd
Private-Lines: 14
AAAA/3jk5mZAN4b9EpT7aKE3FAKhkx3aUfd0PV8Ptr462iIG1XoYVFk+41fMh/u5
RAZfFhXbXs+a+mqkwCMbSp4wAxG+eXJLwt6vuPF9GyGh3wR9YMsbmxP3Ut+vmwok
Mp8ZpvshIGLMGSn+rQUcOmC26woLsOjDfmW0DvKf3870h/j7WY+Qvexlupcuo8+7
VjQ397tCfkejgwh+LWq9MDcs/LZLWZ07uLi8xZe96+wCDpS+jQE+GfJRI5d1ZX1J
0HcICOEaJeZvcx7yE2M9JviO8uuvpJJbY16oezRHa89bLwvemk4LyVet7FaCQxJc
Yi6z1h4WUb07pKUY3w3qUgC0bwAAAIEAwr3YIa4Svt2PJeahDt66Um4spd9OvFqR
p2Uu04w0n0T2pP/bQwhQINTfWIpvLEZJvU24eBGS3kDsUHQsx6ovTNdfWrg3Itrl
X7f/shJEEtAQCZ/bLgoERyG1H/eTA6lpDu+nbkqnhZbaxksZsIyVc0ooK+CXKAbq
3FXKJ6Df7ucAAACBAL5DtOa3mX+/zmOr+YRzseXSRM69VNalO1qpyFvXISeCetfA
Q1EnhRktwqaA4rteBwrlKndU9mKESEe2/EvbO1zU8v9lTjOuvcrTpmUIZc5Q2dwh
tTWpNLuFRlXEMjwtdvdjSwzNh5XZBNsVNHd2tvoXaq0c5eSavGRA1zAK9FxbAAAA
gBCWkZnt2PO0ihI6k94pM0S6+bNxI0XYzBNf+j4s2lYi+lZ9XdGrLciiGptc56MM
qyb1XZUjq+NwgS6dYCRw1jegwGSXLcp983lNucgr8tIN/mzWSpI54+2i5myLMmOc
W+bEEnkFu0drD36AMFkXOJZmRc1JMNJXsgntW27sXm7c
Private-MAC: c9f484ed73b4bca1e766faaf8e1ef8c6cb898fb0
`

	// ed25519Private is an ED25519 private key, `ssh-keygen -t ed25519`.
	ed25519Private = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACAJ8k+UlKiUPNek+kCq5zdB4uksO7JhoIZBd6THkTJbEQAAAJj/nTCa/50w
mgAAAAtzc2gtZWQyNTUxOQAAACAJ8k+UlKiUPNek+kCq5zdB4uksO7JhoIZBd6THkTJbEQ
AAAEBxEdXQW08zxa30UuQbemwUWLxgbpXtvhdA+l+Ctx+DnQnyT5SUqJQ816T6QKrnN0Hi
6Sw7smGghkF3pMeRMlsRAAAAD2ZpeHR1cmUtZWQyNTUxOQECAwQFBg==
-----END OPENSSH PRIVATE KEY-----
`

	// ed25519Public is its public key as ssh-keygen wrote it.
	ed25519Public = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAnyT5SUqJQ816T6QKrnN0Hi6Sw7smGghkF3pMeRMlsR fixture-ed25519`

	// ed25519RFC4716 is `ssh-keygen -e -f ed25519.pub`.
	ed25519RFC4716 = `---- BEGIN SSH2 PUBLIC KEY ----
Comment: "256-bit ED25519, converted by root@vm from OpenSSH"
AAAAC3NzaC1lZDI1NTE5AAAAIAnyT5SUqJQ816T6QKrnN0Hi6Sw7smGghkF3pMeRMlsR
---- END SSH2 PUBLIC KEY ----`

	// ed25519PPK is `puttygen ed25519 -O private --ppk-param version=2 -C fixture-ed25519` (PuTTY 0.78).
	ed25519PPK = `PuTTY-User-Key-File-2: ssh-ed25519
Encryption: none
Comment: fixture-ed25519
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAIAnyT5SUqJQ816T6QKrnN0Hi6Sw7smGghkF3pMeR
MlsR
Private-Lines: 1
AAAAIHER1dBbTzPFrfRS5Bt6bBRYvGBule2+F0D6X4K3H4Od
Private-MAC: 997edd73bc6f3047d82792d55bbd96aaf81810ed
`

	// rsa1024Public is from `ssh-keygen -t rsa -b 1024`.
	rsa1024Public = `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCwF4TNq6lw1GoSRIM9Xllmbplxg9zlOv9mOxjJ0NuCiD2InjKi/S4sjaQUrnWVlTPFRlsFBxvgYCTl/U3ZaiAxmdHqreFX0g7VkOrcC2Xiw+KVFdVcZcm/ARmlqjHwonqRR7a8Pwj+vNXajwUzz1XxLq8tdDvbqiCCq4PyMNXDUw== fixture-rsa1024`

	// rsa3072Public is from `ssh-keygen -t rsa -b 3072`.
	rsa3072Public = `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDBht1a5DBWfDbcaEtVq27sm90yRmMs0+UcHIMAuI6ToF0R+K5Sv9/npXNIpSUN4IlFm7SQflYcvAG8mrG3JxUzClNACsnsQftxIQVeyvyw5uzYBIrCOzGS4FFXvDu7CgoRnTL7SwCFrP775DO9l/8uHXAPt/4mZVzJIQEg3Jmn06JoYVhLQupO0I1MpwKG7bIqbXg3yHZ4RUA7uOZEmiY+sMnybJzTUSwIEGmH/MTlgzue8ijI9yCI0natACxm50CQbVIHywTylN/XFR/cJ7eSRDvkdGkxM/f6mkJCqdMXQDU2foEdj6zp7MVEID1RiEHNgxtjTwjafSVDQr71ZmHTy8vf2ew+Yb6pgQvjHuGXdlRZZ5DHxiUwD8L4ztUql69elYwSV8PCKr8iG/HR4le7Txs5dH+Z9+kOMFCc8c+QSpSvtd0xAYuCnVRwpzV74wgK29SqIdHK3vDluX3naZuFfU5+/QHQB8TcvbhBef2tdG3g5Z76eaWPNGMz1hzxak8= fixture-rsa3072`

	// rsa4096Public is from `ssh-keygen -t rsa -b 4096`.
	rsa4096Public = `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAACAQCSDG1fZnOzfnpU28S3jMo3TCJX/yEuOaGIE41BwXqQ2O3u1MlS0XYrVnFbo6bo2ExAX3zyzcyHx8sj4BrwzOEEsswNkFI9lWPR5GfdZUa29/VFYXnlxzeuY1qoyt41q5jLAcgQvh0WyBaLm7NdHppbMKE58DCw+a53cKPHCAc65oC+TvMYv1S+MaPJ6TO6EClPnZIyfGa8GC5u8QZEgFXf9NZBGYarwx6KOBzDutVkHhmjwdg/AZqxE0+OHRzH1MVpuJTXC6nR0PhFbPEofAgFRYMNeqvkCU1w0kCleidkgZGm2+UQxaU7Cj+2u7hPbGiuz7AbF24pigWfp7Y3EwjrQ8PQC3bixr+zQed3jJIKnLex2VwFF4mUoOdvEHWJ1RLI2c3NDC2zzN5OtcQQzKgXL17XYL7w8V+o4TpajIItNvutDFgT6/yCgmGFHxY0Y4p9+ArWxMUHq1UeSUKo+3j0w7Sv9qqJzg8Q1L29sqVK2T/WmtcE3fI/+zTklP0KH3DncbtAWlOFC9Jk5p+riwUXuzE2VJNz+OYkSmAexsLrR1xO6OAWACau2MwCtrw5dPa6uKZiSnb34O+brL2b3l64vVaqFnq0MsSXSdTnZ7NL/GJQVzGh6V48UhMewEJI5+VH8WkJCQBb0BSTlFx/EDl5yFeRPbo6kGopKWL4UnQqvw== fixture-rsa4096`

	// ecdsaPublic is from `ssh-keygen -t ecdsa -b 256`.
	ecdsaPublic = `ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBO/EG+xzyIPU4R0oXs09SL9JiN/8MCU3hfKp+UcbheWrADS26qZrmc86a/sP3mx0nc1ENCw93AchT7KAzgBdCGs= fixture-ecdsa`

	// ecdsaSPKI is `ssh-keygen -e -m PKCS8 -f ecdsa.pub`.
	ecdsaSPKI = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE78Qb7HPIg9ThHShezT1Iv0mI3/ww
JTeF8qn5RxuF5asANLbqpmuZzzpr+w/ebHSdzUQ0LD3cByFPsoDOAF0Iaw==
-----END PUBLIC KEY-----`

	// dsaPublic is from `ssh-keygen -t dsa`.
	dsaPublic = `ssh-dss AAAAB3NzaC1kc3MAAACBAJQsfMG4UOaEQlDeEfNZtHEGDSH4jEfbaRYHoXK6rPYcMAfAH7nd7JWf7K1J8iyBSjblrgFkVFbquUHTjOyeBDaJwuVk3IN8c5kcWu8ferJ/3kOYcm7atYYIYdOVtGfpny8pagNtHY7wbjFZ5MvGGoePCKCw+DodN8jXCYSgQLoHAAAAFQDneo8foxZS6qEGJyvwQsRrqTuGYwAAAIEAhifyWCsmErwv8hZM0vi0pqqxsHRjzKQk3qVHgR8t7U+fAStj3TCnk17MlgRdjIWE29IZ/f1l31e9FKa4PoAETUKQAK9yRyHZky4bb33QrV/G1YUKWHKvFoTFFjSKp+JN6gLM98LCEN4aKcireyoIc19xHcB9rc2pAto0a+5tZ04AAACBAIIocN5AvWZIEPqpLaqGOYQEymxag3+P8Ifw7zB56pe7JUswkAhH7MWnEUY1VcARTy4I1Q6k5sAE8fjb1lWmKHpOPIVLIMZvTiUE6A7JX/6Qas3JM2m6nESx9frsUFB9Qw/3ZGZ/J9c93G5KSe4Rqamqk4WsomSOlSc6FBqY+9Bi fixture-dsa`
)

// Fingerprints of the keys above, as the commands in EC2's "Verify the
// fingerprint of your key pair" guide print them.
const (
	// openssl pkcs8 -in rsa2048 -inform PEM -outform DER -topk8 -nocrypt | openssl sha1 -c
	rsa2048CreatedFingerprint = "be:c4:c9:e3:ad:b5:21:31:1a:9f:9b:0d:7e:68:8a:c6:ab:de:cb:4d"

	// ssh-keygen -ef rsaN -m PEM | openssl rsa -RSAPublicKey_in -outform DER | openssl md5 -c
	// (openssl rsa -in rsaN -pubout -outform DER | openssl md5 -c agrees)
	rsa1024ImportedFingerprint = "86:97:77:15:5c:ad:02:2d:04:bf:63:4c:1f:9d:d6:47"
	rsa2048ImportedFingerprint = "3c:5b:fa:6e:c4:3b:f1:9c:1c:e5:6c:93:f1:80:11:33"
	rsa3072ImportedFingerprint = "01:0f:f1:f0:b2:c9:70:97:5f:31:ae:b3:19:4b:a6:9d"
	rsa4096ImportedFingerprint = "19:e2:b1:35:bc:7b:bd:21:79:10:dd:26:a2:5e:70:20"

	// ssh-keygen -l -f ed25519 prints SHA256:ygN2WLYb54tJh1y9IHjQXnmlvWICxTwIwYTU4Tp2srA;
	// EC2 drops the prefix and keeps the base64 padding.
	ed25519FixtureFingerprint = "ygN2WLYb54tJh1y9IHjQXnmlvWICxTwIwYTU4Tp2srA="
)
