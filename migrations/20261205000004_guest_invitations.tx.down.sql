DROP TABLE guest_invitations;
