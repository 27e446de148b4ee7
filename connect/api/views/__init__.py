"""API views: one APIView per action, with nested InputSerializer and OutputSerializer."""
