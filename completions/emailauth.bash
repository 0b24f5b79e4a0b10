# bash completion for emailauth(1). Options follow `emailauth COMMAND --help`
# (tests/docs/test_help_man.py checks that every option is here).
_emailauth()
{
	local cur prev words cword
	_init_completion || return
	local commands="ses check spf verify reports scan serve help version"
	local global="--resolver --timeout --format --fix-format --zone --trace --verbose -v --no-color --help -h"
	if [[ $cword -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$commands --help --version -V" -- "$cur"))
		return
	fi
	local cmd=${words[1]} opts formats="text json"
	case $cmd in
	ses) opts="--tokens --aws-json --region --watch --interval"; formats="text json nagios" ;;
	check) opts="--tokens --selector --mail-from --region"; formats="text json nagios" ;;
	spf) opts="--ip --sender --helo --helo-identity --receiver --batch --no-prefetch"; formats="text json nagios" ;;
	verify) opts="--ip --helo --mail-from --headers-only --now" ;;
	reports) opts="--since --domain --no-dns"; formats="text json csv" ;;
	scan) opts="--checks --jobs --qps --inflight --threads --output -o --resume --quiet -q"; formats="jsonl csv" ;;
	serve) opts="--listen --max-concurrent --rate --allow-root" ;;
	help) COMPREPLY=($(compgen -W "ses check spf verify reports scan serve" -- "$cur")); return ;;
	*) return ;;
	esac
	case $prev in
	--format) COMPREPLY=($(compgen -W "$formats" -- "$cur")); return ;;
	--fix-format) COMPREPLY=($(compgen -W "zone route53 terraform cloudflare" -- "$cur")); return ;;
	--zone|--aws-json|--batch|--output|-o) _filedir; return ;;
	--checks) COMPREPLY=($(compgen -W "ses spf dmarc dkim mx" -- "$cur")); return ;;
	--resolver|--timeout|--tokens|--region|--watch|--interval|--selector|--mail-from|--ip|--sender|--helo|--receiver|--now|--since|--domain|--jobs|--qps|--inflight|--threads|--listen|--max-concurrent|--rate)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
	elif [[ $cmd == verify || $cmd == reports || $cmd == scan ]]; then
		_filedir
	fi
}
complete -F _emailauth emailauth
