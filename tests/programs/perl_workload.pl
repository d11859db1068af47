# Hashes, regular expressions, sorting and sprintf over a few hundred
# thousand items: perl allocates scalars, hash buckets and strings of every
# size through malloc. Deterministic: a fixed linear congruential sequence
# instead of rand(), sorted keys, no addresses printed.
use strict;
use warnings;
use Digest::MD5 qw(md5_hex);

my $state = 12345;
# The low bits of this generator cycle quickly; only the high ones are used.
sub next_rand { $state = ($state * 1103515245 + 12345) % 2147483648; return $state >> 16; }
sub word {
  my $n = 1 + next_rand() % 12;
  return join '', map { chr(97 + next_rand() % 26) } 1 .. $n;
}

my $ctx = Digest::MD5->new;
sub emit { my $line = join(' ', @_) . "\n"; $ctx->add($line); print $line; }

# A hash of 300k entries, then grouping, deleting and rebuilding.
my %h;
for my $i (1 .. 300_000) {
  my $k = sprintf('%s-%06d', word(), $i);
  $h{$k} = [$i, word() x (1 + $i % 4), $i * 1.5];
}
emit('hash size', scalar keys %h);
my @sorted = sort keys %h;
emit('first keys', @sorted[0 .. 4]);
emit('last key', $sorted[-1]);
my %by_letter;
push @{ $by_letter{ substr($_, 0, 1) } }, $_ for @sorted;
emit('letters', map { "$_=" . scalar @{ $by_letter{$_} } } sort keys %by_letter);
delete @h{ grep { /^[aeiou]/ } @sorted };
emit('after delete', scalar keys %h);

# Regular expressions: matches, captures, substitutions on a long text.
my $text = join ' ', map { word() } 1 .. 200_000;
emit('text length', length $text);
my @doubles = $text =~ /\b(\w*(\w)\2\w*)\b/g;
emit('words with a double letter', scalar(@doubles) / 2);
(my $vowels = $text) =~ s/[aeiou]+/V/g;
emit('vowel runs squeezed', length $vowels, md5_hex($vowels));
my %freq;
$freq{$1}++ while $text =~ /\b([a-z]{3})[a-z]*\b/g;
my @top = (sort { $freq{$b} <=> $freq{$a} || $a cmp $b } keys %freq)[0 .. 9];
emit('top prefixes', map { "$_:$freq{$_}" } @top);
my @split = split /(?<=[xyz])\s+/, $text;
emit('split on xyz', scalar @split);

# sprintf and numeric sorting of many records.
my @records = map { [next_rand() % 100_000, word(), next_rand() / 7] } 1 .. 250_000;
my @by_num = sort { $a->[0] <=> $b->[0] || $a->[1] cmp $b->[1] } @records;
emit('smallest', map { sprintf('%05d/%s/%.3f', @$_) } @by_num[0 .. 2]);
my $report = join "\n", map { sprintf('%-12s %8d %14.4f %x', $_->[1], $_->[0], $_->[2], $_->[0]) } @by_num;
emit('report', length $report, md5_hex($report));

# Strings that grow and shrink.
my $grow = '';
for my $i (1 .. 50_000) { $grow .= word(); substr($grow, 0, 3, '') if $i % 5 == 0; }
emit('grown', length $grow, md5_hex($grow));

emit('total', $ctx->clone->hexdigest);
