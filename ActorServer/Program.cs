// PLACEHOLDER (branch `state` only): a throwaway entry point so this Exe project builds while the
// real Program.cs is written on another branch. Drop this file in favour of the lead's Program.cs on merge.
return 0;
