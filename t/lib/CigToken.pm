# SPDX-License-Identifier: BSD-2-Clause
package CigToken;

# Cognito-shaped test tokens, minted by independent implementations (the
# openssl command line, or python3-jwt), never by the module under test.
#
#   my $t = cognito_token(%opt);
#     opt: header => {..} | raw_header => 'text', claims => {..overrides..},
#          raw_claims => 'text', drop => [claim names], key => 'k1',
#          minter => 'openssl' | 'pyjwt', alg => signing alg override
#   claims overrides with value undef remove the claim.

use strict;
use warnings;

use Exporter 'import';
use JSON::PP;

use CigTest;

our @EXPORT = qw(cognito_token default_claims POOL POOL2 IDENTITY ISSUER NOW);

use constant POOL     => 'eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d';
use constant POOL2    => 'us-east-1:0f2c5e3a-1b4d-4c6e-8f90-1a2b3c4d5e6f';
use constant IDENTITY => 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7a';
use constant ISSUER   => 'https://cognito-identity.amazonaws.com';

sub NOW { time() }

my $json = JSON::PP->new->canonical(1);

sub default_claims {
    my $now = time();
    return {
        sub => IDENTITY,
        aud => POOL,
        amr => ['authenticated', 'graph.facebook.com',
                'graph.facebook.com:eu-west-1:b45b9729:10001'],
        iss => ISSUER,
        exp => $now + 600,
        iat => $now,
    };
}

sub cognito_token {
    my (%o) = @_;

    my $header = $o{raw_header}
        // $json->encode($o{header} // { kid => 'test-1', typ => 'JWS',
                                         alg => 'RS512' });

    my $payload = $o{raw_claims};
    if (!defined $payload) {
        my $c = default_claims();
        my $over = $o{claims} // {};
        for my $k (keys %$over) {
            if (defined $over->{$k}) { $c->{$k} = $over->{$k} }
            else { delete $c->{$k} }
        }
        $payload = $json->encode($c);
    }

    my $key = repo_root() . '/t/keys/' . ($o{key} // 'k1') . '.pem';
    my @args = (key => $key, header => $header, payload => $payload);
    push @args, alg => $o{alg} if $o{alg};

    return ($o{minter} // 'openssl') eq 'pyjwt'
        ? mint_pyjwt(@args) : mint_openssl(@args);
}

1;
